package dpo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.TrainingDivergedException;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.StepSize;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import dpo.api.objective.LogisticForm;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.objective.ObjectiveProvider;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.SamplerProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CpuTabularPolicyTest {
  private static final double BETA = 3;

  static Stream<Arguments> samplersAndObjectives() {
    List<Arguments> args = new ArrayList<>();
    for (SamplerProvider s : ServiceLoader.load(SamplerProvider.class)) {
      for (ObjectiveProvider o : ServiceLoader.load(ObjectiveProvider.class)) {
        args.add(Arguments.of(s.id(), s.create(), o.id(), o.create(ObjectiveConfig.ofBeta(BETA))));
      }
    }
    return args.stream();
  }

  static Stream<Arguments> samplers() {
    return ServiceLoader.load(SamplerProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .map(s -> Arguments.of(s.id(), s.create()));
  }

  private static TabularProblem randomProblem(int x, int y, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[][] rewards = new double[x][y];
    for (double[] row : rewards) {
      for (int j = 0; j < y; j++) {
        row[j] = r.nextGaussian();
      }
    }
    return new TabularProblem(rewards);
  }

  private static double[][] randomTheta(int x, int y, SplittableRandom r) {
    double[][] theta = new double[x][y];
    for (double[] row : theta) {
      for (int j = 0; j < y; j++) {
        row[j] = 0.5 * r.nextGaussian();
      }
    }
    return theta;
  }

  /** The mean over prompts of the sampler-weighted loss at theta, with W frozen at theta0. */
  private static double frozenLoss(
      TabularProblem problem, double[][] theta0, double[][] theta, Sampler s, Objective o) {
    int y = problem.responses();
    PairWeights w = new PairWeights(y);
    double total = 0;
    for (int x = 0; x < problem.prompts(); x++) {
      w.prepare(s, logSoftmax(theta0[x]), -Math.log(y), problem.rewards(x), o.beta());
      for (int a = 0; a < y; a++) {
        for (int b = 0; b < y; b++) {
          double p = LogisticForm.sigmoid(problem.reward(x, a) - problem.reward(x, b));
          total += w.weight(a, b) * o.loss(theta[x][a] - theta[x][b], p);
        }
      }
    }
    return total / problem.prompts();
  }

  static double[] logSoftmax(double[] theta) {
    double max = Double.NEGATIVE_INFINITY;
    for (double t : theta) {
      max = Math.max(max, t);
    }
    double sum = 0;
    for (double t : theta) {
      sum += Math.exp(t - max);
    }
    double[] out = new double[theta.length];
    for (int i = 0; i < theta.length; i++) {
      out[i] = theta[i] - max - Math.log(sum);
    }
    return out;
  }

  @ParameterizedTest(name = "{0} with {2}")
  @MethodSource("samplersAndObjectives")
  void exactGradientMatchesCentralFiniteDifferences(
      String samplerId, Sampler sampler, String objectiveId, Objective objective) {
    int prompts = 3;
    int responses = 7;
    TabularProblem problem = randomProblem(prompts, responses, 42);
    SplittableRandom r = new SplittableRandom(7);
    try (PolicyBackend backend = new CpuBackendProvider().create(new BackendConfig(2))) {
      for (int trial = 0; trial < 3; trial++) {
        double[][] theta0 = randomTheta(prompts, responses, r);
        try (TabularPolicy policy =
            backend.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
          for (int x = 0; x < prompts; x++) {
            policy.setParameters(x, theta0[x]);
          }
          // With eta = 1 per prompt, theta1 = theta0 - grad L_x; the mean loss has gradient grad /
          // X.
          double loss = policy.exactStep(sampler, objective, StepSize.fixed(1)).loss();
          assertEquals(frozenLoss(problem, theta0, theta0, sampler, objective), loss, 1e-12);
          double[] theta1 = new double[responses];
          for (int x = 0; x < prompts; x++) {
            policy.parameters(x, theta1);
            for (int j = 0; j < responses; j++) {
              double analytic = (theta0[x][j] - theta1[j]) / prompts;
              double eps = 1e-5;
              double[][] plus = deepCopy(theta0);
              double[][] minus = deepCopy(theta0);
              plus[x][j] += eps;
              minus[x][j] -= eps;
              double numeric =
                  (frozenLoss(problem, theta0, plus, sampler, objective)
                          - frozenLoss(problem, theta0, minus, sampler, objective))
                      / (2 * eps);
              assertEquals(
                  numeric,
                  analytic,
                  1e-7 + 1e-6 * Math.abs(numeric),
                  samplerId + "/" + objectiveId + " prompt " + x + " response " + j);
            }
          }
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samplers")
  void pairWeightsAreADistribution(String id, Sampler sampler) {
    int y = 9;
    TabularProblem problem = randomProblem(1, y, 3);
    PairWeights w = new PairWeights(y);
    SplittableRandom r = new SplittableRandom(11);
    for (int trial = 0; trial < 5; trial++) {
      double[] theta = new double[y];
      for (int j = 0; j < y; j++) {
        theta[j] = 3 * r.nextGaussian();
      }
      w.prepare(sampler, logSoftmax(theta), -Math.log(y), problem.rewards(0), BETA);
      double sum = 0;
      for (int a = 0; a < y; a++) {
        for (int b = 0; b < y; b++) {
          assertTrue(w.weight(a, b) >= 0, id);
          sum += w.weight(a, b);
        }
      }
      assertEquals(1, sum, 1e-12, id);
    }
  }

  @Test
  void exactStepDoesNotDependOnThreadCount() {
    TabularProblem problem = randomProblem(17, 11, 5);
    Sampler mixP = sampler("dpo-mix-p");
    Objective sigmoid = objective("sigmoid");
    for (boolean lossNeeded : new boolean[] {true, false}) {
      double[][] one = train(problem, mixP, sigmoid, 1, lossNeeded);
      double[][] two = train(problem, mixP, sigmoid, 2, lossNeeded);
      double[][] three = train(problem, mixP, sigmoid, 3, lossNeeded);
      for (int x = 0; x < one.length; x++) {
        for (int j = 0; j < one[x].length; j++) {
          assertEquals(one[x][j], two[x][j], 0.0);
          assertEquals(one[x][j], three[x][j], 0.0);
        }
      }
    }
  }

  @Test
  void sampledStepIsReproducibleUnderASeedAndApproachesTheExactGradient() {
    TabularProblem problem = randomProblem(2, 6, 9);
    Sampler sampler = sampler("dpo-mix-p-star");
    Objective sigmoid = objective("sigmoid");
    double[] a = sampledGradient(problem, sampler, sigmoid, 200_000, 1);
    double[] b = sampledGradient(problem, sampler, sigmoid, 200_000, 1);
    double[] exact;
    try (PolicyBackend backend = new CpuBackendProvider().create(new BackendConfig(1));
        TabularPolicy policy = backend.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
      policy.setParameters(0, new double[] {0.3, -0.2, 0.1, 0.5, -0.4, 0});
      policy.exactStep(sampler, sigmoid, StepSize.fixed(1));
      exact = new double[6];
      policy.parameters(0, exact);
    }
    double[] start = {0.3, -0.2, 0.1, 0.5, -0.4, 0};
    for (int j = 0; j < 6; j++) {
      assertEquals(a[j], b[j], 0.0);
      // Bernoulli labels give an unbiased estimate of the soft-label gradient.
      assertEquals(start[j] - exact[j], a[j], 0.02);
    }
  }

  @Test
  void divergenceIsReportedWithThePrompt() {
    TabularProblem problem = randomProblem(1, 5, 1);
    try (PolicyBackend backend = new CpuBackendProvider().create(BackendConfig.defaults());
        TabularPolicy policy = backend.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
      TrainingDivergedException e =
          assertThrows(
              TrainingDivergedException.class,
              () -> {
                for (int t = 0; t < 10; t++) {
                  policy.exactStep(sampler("dpo-unif"), objective("ipo"), StepSize.fixed(1e306));
                }
              });
      assertTrue(e.getMessage().contains("prompt 0"), e.getMessage());
    }
  }

  @Test
  void divergenceInTheSecondThreadsBlockIsReportedWithItsPrompt() {
    TabularProblem problem = randomProblem(4, 5, 1);
    try (PolicyBackend backend = new CpuBackendProvider().create(new BackendConfig(2));
        TabularPolicy policy = backend.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
      // Two threads share the prompts; only prompt 3 can overflow, whichever thread runs it.
      policy.setParameters(3, new double[] {1e307, -1e307, 0, 0, 0});
      TrainingDivergedException e =
          assertThrows(
              TrainingDivergedException.class,
              () -> policy.exactStep(sampler("dpo-unif"), objective("ipo"), StepSize.fixed(1e306)));
      assertTrue(e.getMessage().contains("prompt 3"), e.getMessage());
    }
  }

  @Test
  void forEachPromptRunsEveryPromptOnceOnAnyNumberOfThreads() {
    for (int threads : new int[] {1, 2, 3, 8}) {
      ForkJoinPool pool = new ForkJoinPool(threads);
      try {
        for (int count : new int[] {1, 2, 7, 64, 65, 1000}) {
          AtomicIntegerArray runs = new AtomicIntegerArray(count);
          CpuTabularPolicy.forEachPrompt(pool, count, runs::incrementAndGet);
          for (int x = 0; x < count; x++) {
            assertEquals(
                1, runs.get(x), "prompt " + x + " of " + count + ", " + threads + " threads");
          }
        }
      } finally {
        pool.shutdown();
      }
    }
  }

  @Test
  void forEachPromptRethrowsTheLowestFailingPromptWhateverTheTiming() {
    ForkJoinPool pool = new ForkJoinPool(2);
    try {
      for (int repeat = 0; repeat < 50; repeat++) {
        // Prompt 300 fails at once, prompt 37 only after a pause: the lowest still wins.
        IllegalStateException e =
            assertThrows(
                IllegalStateException.class,
                () ->
                    CpuTabularPolicy.forEachPrompt(
                        pool,
                        512,
                        x -> {
                          if (x == 37) {
                            LockSupport.parkNanos(200_000);
                            throw new IllegalStateException("prompt 37");
                          }
                          if (x == 300 || x == 301) {
                            throw new IllegalStateException("prompt " + x);
                          }
                        }));
        assertEquals("prompt 37", e.getMessage());
      }
    } finally {
      pool.shutdown();
    }
  }

  private static double[] sampledGradient(
      TabularProblem problem, Sampler s, Objective o, int pairs, long seed) {
    try (PolicyBackend backend = new CpuBackendProvider().create(new BackendConfig(1));
        TabularPolicy policy = backend.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
      double[] start = {0.3, -0.2, 0.1, 0.5, -0.4, 0};
      policy.setParameters(0, start);
      policy.sampledStep(s, o, StepSize.fixed(1), pairs, new SplittableRandom(seed));
      double[] after = new double[6];
      policy.parameters(0, after);
      for (int j = 0; j < 6; j++) {
        after[j] = start[j] - after[j];
      }
      return after;
    }
  }

  private static double[][] train(
      TabularProblem problem, Sampler s, Objective o, int threads, boolean lossNeeded) {
    try (PolicyBackend backend = new CpuBackendProvider().create(new BackendConfig(threads));
        TabularPolicy policy = backend.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
      for (int t = 0; t < 5; t++) {
        policy.exactStep(s, o, StepSize.newton(), lossNeeded);
      }
      double[][] out = new double[problem.prompts()][problem.responses()];
      for (int x = 0; x < out.length; x++) {
        policy.parameters(x, out[x]);
      }
      return out;
    }
  }

  static Sampler sampler(String id) {
    return ServiceLoader.load(SamplerProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.id().equals(id))
        .findFirst()
        .orElseThrow()
        .create();
  }

  static Objective objective(String id) {
    return ServiceLoader.load(ObjectiveProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.id().equals(id))
        .findFirst()
        .orElseThrow()
        .create(ObjectiveConfig.ofBeta(BETA));
  }

  private static double[][] deepCopy(double[][] a) {
    double[][] c = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }
}
