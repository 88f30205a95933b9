package dpo.backend.gpu.tabular;

import static dpo.backend.gpu.tabular.Fixtures.BETA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dpo.api.TrainingDivergedException;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.StepReport;
import dpo.api.backend.StepSize;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import dpo.api.objective.Objective;
import dpo.api.sampler.PairComponent;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.SamplerProvider;
import dpo.api.sampler.Tilt;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DjlTabularPolicyTest {
  private static PolicyBackend djl;
  private static NDManager root;

  @BeforeAll
  static void open() {
    djl = Fixtures.djl();
    root = NDManager.newBaseManager(Device.cpu());
  }

  @AfterAll
  static void close() {
    root.close();
    djl.close();
  }

  static Stream<Arguments> samplersAndObjectives() {
    List<Arguments> args = new ArrayList<>();
    for (SamplerProvider s : Fixtures.samplers()) {
      for (String o : Fixtures.OBJECTIVES) {
        args.add(Arguments.of(s.id(), s.create(), o, Fixtures.objective(o)));
      }
    }
    return args.stream();
  }

  static Stream<Arguments> samplers() {
    return Fixtures.samplers().stream().map(s -> Arguments.of(s.id(), s.create()));
  }

  @ParameterizedTest(name = "{0} with {2}")
  @MethodSource("samplersAndObjectives")
  void autogradGradientMatchesCentralFiniteDifferences(
      String samplerId, Sampler sampler, String objectiveId, Objective objective) {
    int prompts = 3;
    int responses = 5;
    TabularProblem problem = Fixtures.randomProblem(prompts, responses, 42);
    double[][] theta0 = Fixtures.randomTheta(prompts, responses, 0.5, new SplittableRandom(7));
    try (TabularPolicy policy = djl.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
      for (int x = 0; x < prompts; x++) {
        policy.setParameters(x, theta0[x]);
      }
      // With eta = 1 per prompt, theta1 = theta0 - grad L_x; the mean loss has gradient grad / X.
      double loss = policy.exactStep(sampler, objective, StepSize.fixed(1)).loss();
      assertEquals(Fixtures.frozenLoss(problem, theta0, theta0, sampler, objective), loss, 1e-12);
      double[] theta1 = new double[responses];
      for (int x = 0; x < prompts; x++) {
        policy.parameters(x, theta1);
        for (int j = 0; j < responses; j++) {
          double analytic = (theta0[x][j] - theta1[j]) / prompts;
          double eps = 1e-5;
          double[][] plus = Fixtures.deepCopy(theta0);
          double[][] minus = Fixtures.deepCopy(theta0);
          plus[x][j] += eps;
          minus[x][j] -= eps;
          double numeric =
              (Fixtures.frozenLoss(problem, theta0, plus, sampler, objective)
                      - Fixtures.frozenLoss(problem, theta0, minus, sampler, objective))
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

  @ParameterizedTest(name = "{0}")
  @MethodSource("samplers")
  void pairWeightsFollowTheSamplerDefinition(String id, Sampler sampler) {
    int y = 7;
    TabularProblem problem = Fixtures.randomProblem(2, y, 3);
    double[][] theta = Fixtures.randomTheta(2, y, 1.5, new SplittableRandom(11));
    try (NDManager scope = root.newSubManager()) {
      PairWeights w = weights(scope, sampler, problem, theta);
      double[] probabilities = w.probabilities().toDoubleArray();
      double[] logZ = w.logZ().toDoubleArray();
      for (int x = 0; x < 2; x++) {
        double[][] c = Fixtures.referenceC(sampler, theta[x], problem.rewards(x), BETA);
        double[][] expected = Fixtures.normalise(c);
        double z = 0;
        for (int a = 0; a < y; a++) {
          for (int b = 0; b < y; b++) {
            z += c[a][b];
            assertEquals(
                expected[a][b],
                probabilities[(x * y + a) * y + b],
                1e-14,
                id + " prompt " + x + " pair " + a + "," + b);
          }
        }
        assertEquals(Math.log(z), logZ[x], 1e-13 * Math.max(1, Math.abs(Math.log(z))), id);
      }
    }
  }

  @Test
  void theCapOfMixPStarBindsInTheseTests() {
    int y = 7;
    TabularProblem problem = Fixtures.randomProblem(2, y, 3);
    double[][] theta = Fixtures.randomTheta(2, y, 1.5, new SplittableRandom(11));
    Sampler star = Fixtures.sampler("dpo-mix-p-star");
    Sampler mixP = Fixtures.sampler("dpo-mix-p");
    double[][] capped = Fixtures.referenceC(star, theta[0], problem.rewards(0), BETA);
    double[][] uncapped = Fixtures.referenceC(mixP, theta[0], problem.rewards(0), BETA);
    int binding = 0;
    for (int a = 0; a < y; a++) {
      for (int b = 0; b < y; b++) {
        binding += capped[a][b] < uncapped[a][b] ? 1 : 0;
      }
    }
    assertTrue(binding > 0, "the weight-cap test would not test the cap");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samplers")
  void weightsStayADistributionForHugePolicySpreads(String id, Sampler sampler) {
    int y = 9;
    TabularProblem problem = Fixtures.randomProblem(1, y, 5);
    // beta * theta spans about a thousand: e^(beta h) overflows a double, log space does not.
    double[][] theta = Fixtures.randomTheta(1, y, 150, new SplittableRandom(13));
    try (NDManager scope = root.newSubManager()) {
      PairWeights w = weights(scope, sampler, problem, theta);
      double sum = 0;
      for (double p : w.probabilities().toDoubleArray()) {
        assertTrue(p >= 0 && Double.isFinite(p), id + ": " + p);
        sum += p;
      }
      assertEquals(1, sum, 1e-12, id);
      assertTrue(Double.isFinite(w.logZ().getDouble(0)), id);
    }
  }

  @Test
  void aSamplerWithoutPositiveWeightOrWithABadCapIsRejected() {
    TabularProblem problem = Fixtures.randomProblem(1, 4, 1);
    Sampler empty = () -> List.of(PairComponent.normalised(0, Tilt.UNIFORM, Tilt.POLICY));
    Sampler badCap =
        new Sampler() {
          @Override
          public List<PairComponent> components() {
            return List.of(PairComponent.unnormalised(1, Tilt.UNIFORM, Tilt.UNIFORM));
          }

          @Override
          public double weightCap(double rewardRange) {
            return 0;
          }
        };
    try (TabularPolicy policy = djl.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
      Objective o = Fixtures.objective("sigmoid");
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> policy.exactStep(empty, o, StepSize.fixed(1)));
      assertTrue(e.getMessage().contains("positive weight"), e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class, () -> policy.exactStep(badCap, o, StepSize.fixed(1)));
      assertTrue(e.getMessage().contains("cap must be > 0"), e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> policy.sampledStep(badCap, o, StepSize.fixed(1), 0, new SplittableRandom(1)));
      assertTrue(e.getMessage().contains("pairs per prompt must be >= 1"), e.getMessage());
    }
  }

  @Test
  void parametersRoundTripAndLogProbabilitiesAreTheLogSoftmax() {
    TabularProblem problem = Fixtures.randomProblem(3, 4, 2);
    try (TabularPolicy policy = djl.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
      assertEquals(problem, policy.problem());
      double[] out = new double[4];
      policy.parameters(1, out);
      assertArrayEquals(new double[4], out, 0.0, "starts at theta = 0");
      policy.logProbabilities(1, out);
      assertArrayEquals(
          new double[] {-Math.log(4), -Math.log(4), -Math.log(4), -Math.log(4)}, out, 1e-15);
      double[] values = {0.25, -1.5, 3.0, 1e-3};
      policy.setParameters(2, values);
      policy.parameters(2, out);
      assertArrayEquals(values, out, 0.0);
      policy.logProbabilities(2, out);
      assertArrayEquals(Fixtures.logSoftmax(values), out, 1e-15);
      policy.parameters(0, out);
      assertArrayEquals(new double[4], out, 0.0, "other prompts are untouched");

      // The device copy is what a step trains: one step from `values` must start there.
      try (PolicyBackend cpu = Fixtures.cpu();
          TabularPolicy reference = cpu.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
        reference.setParameters(2, values);
        Sampler mixP = Fixtures.sampler("dpo-mix-p");
        Objective sigmoid = Fixtures.objective("sigmoid");
        reference.exactStep(mixP, sigmoid, StepSize.fixed(1));
        policy.exactStep(mixP, sigmoid, StepSize.fixed(1));
        double[] expected = new double[4];
        for (int x = 0; x < 3; x++) {
          reference.parameters(x, expected);
          policy.parameters(x, out);
          assertArrayEquals(expected, out, 1e-12);
        }
      }

      assertThrows(IllegalArgumentException.class, () -> policy.setParameters(0, new double[3]));
      assertThrows(
          IllegalArgumentException.class,
          () -> policy.setParameters(0, new double[] {0, Double.NaN, 0, 0}));
      assertThrows(IndexOutOfBoundsException.class, () -> policy.parameters(3, new double[4]));
    }
  }

  @Test
  void stepsFreeTheirNativeMemoryAndCloseReleasesTheRest() {
    TabularProblem problem = Fixtures.randomProblem(4, 6, 8);
    DjlTabularPolicy policy = new DjlTabularPolicy(problem, root);
    int live = policy.liveArrays();
    assertEquals(2, live, "theta and the rewards");
    SplittableRandom random = new SplittableRandom(1);
    for (String o : Fixtures.OBJECTIVES) {
      Objective objective = Fixtures.objective(o);
      policy.exactStep(Fixtures.sampler("dpo-mix-p-star"), objective, StepSize.newton());
      policy.sampledStep(Fixtures.sampler("on-policy"), objective, StepSize.fixed(0.1), 64, random);
      policy.setParameters(1, new double[] {1, 2, 3, 4, 5, 6});
      assertEquals(live, policy.liveArrays(), "arrays left behind by a step with " + o);
    }
    assertFalse(policy.released());
    policy.close();
    assertTrue(policy.released());
    policy.close();
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> policy.parameters(0, new double[6]));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    assertThrows(
        IllegalStateException.class,
        () ->
            policy.exactStep(
                Fixtures.sampler("dpo-unif"), Fixtures.objective("ipo"), StepSize.fixed(1)));
  }

  @Test
  void closingTheBackendReleasesItsPolicies() {
    PolicyBackend backend = Fixtures.djl();
    DjlTabularPolicy policy =
        (DjlTabularPolicy)
            backend
                .tabularPolicies()
                .orElseThrow()
                .newTabularPolicy(Fixtures.randomProblem(2, 3, 1));
    policy.exactStep(
        Fixtures.sampler("dpo-mix-r"), Fixtures.objective("sigmoid"), StepSize.fixed(1));
    assertFalse(policy.released());
    backend.close();
    assertTrue(policy.released(), "the backend's root manager owns every policy's arrays");
  }

  @Test
  void divergenceIsReportedWithThePrompt() {
    TabularProblem problem = Fixtures.randomProblem(2, 5, 1);
    try (TabularPolicy policy = djl.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
      TrainingDivergedException e =
          assertThrows(
              TrainingDivergedException.class,
              () -> {
                for (int t = 0; t < 10; t++) {
                  policy.exactStep(
                      Fixtures.sampler("dpo-unif"),
                      Fixtures.objective("ipo"),
                      StepSize.fixed(1e306));
                }
              });
      assertTrue(e.getMessage().contains("prompt 0"), e.getMessage());
      assertTrue(e.getMessage().contains("became non-finite"), e.getMessage());
    }
  }

  static Stream<Arguments> sampledCases() {
    return Stream.of(
        Arguments.of("dpo-mix-p-star", "sigmoid"),
        Arguments.of("dpo-mix-r", "ipo"),
        Arguments.of("hybrid", "hinge"),
        Arguments.of("half-mix-p", "sigmoid"));
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("sampledCases")
  void sampledStepIsReproducibleAndUnbiased(String samplerId, String objectiveId) {
    TabularProblem problem = Fixtures.randomProblem(2, 6, 9);
    Sampler sampler = Fixtures.sampler(samplerId);
    Objective objective = Fixtures.objective(objectiveId);
    double[] start = {0.3, -0.2, 0.1, 0.5, -0.4, 0};
    int pairs = 200_000;
    double[] a = sampledDirection(problem, sampler, objective, start, pairs, 1);
    double[] b = sampledDirection(problem, sampler, objective, start, pairs, 1);
    double[] c = sampledDirection(problem, sampler, objective, start, pairs, 2);
    assertArrayEquals(a, b, 0.0, "the same seed gives the same step");
    assertNotEquals(a[0], c[0], "another seed gives another step");
    double[] exact;
    try (TabularPolicy policy = djl.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
      policy.setParameters(0, start);
      policy.exactStep(sampler, objective, StepSize.fixed(1));
      exact = new double[6];
      policy.parameters(0, exact);
    }
    for (int j = 0; j < 6; j++) {
      // Pairs drawn from W with Bernoulli labels estimate the soft-label gradient without bias;
      // with 2e5 pairs the standard error is below 0.005.
      assertEquals(start[j] - exact[j], a[j], 0.02, samplerId + " response " + j);
    }
  }

  @Test
  void sampledNewtonStepUsesTheSamePartitionFunctionAsTheCpuBackend() {
    TabularProblem problem = Fixtures.randomProblem(3, 8, 4);
    double[][] theta0 = Fixtures.randomTheta(3, 8, 0.7, new SplittableRandom(5));
    Objective sigmoid = Fixtures.objective("sigmoid");
    for (SamplerProvider s : Fixtures.samplers()) {
      Sampler sampler = s.create();
      try (PolicyBackend cpu = Fixtures.cpu();
          TabularPolicy expected = cpu.tabularPolicies().orElseThrow().newTabularPolicy(problem);
          TabularPolicy actual = djl.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
        for (int x = 0; x < 3; x++) {
          expected.setParameters(x, theta0[x]);
          actual.setParameters(x, theta0[x]);
        }
        StepReport e =
            expected.sampledStep(sampler, sigmoid, StepSize.newton(), 16, new SplittableRandom(3));
        StepReport a =
            actual.sampledStep(sampler, sigmoid, StepSize.newton(), 16, new SplittableRandom(3));
        assertEquals(e.meanStepSize(), a.meanStepSize(), 1e-12 * e.meanStepSize(), s.id());
      }
    }
  }

  private static double[] sampledDirection(
      TabularProblem problem, Sampler s, Objective o, double[] start, int pairs, long seed) {
    try (TabularPolicy policy = djl.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
      policy.setParameters(0, start);
      policy.sampledStep(s, o, StepSize.fixed(1), pairs, new SplittableRandom(seed));
      double[] after = new double[start.length];
      policy.parameters(0, after);
      for (int j = 0; j < start.length; j++) {
        after[j] = start[j] - after[j];
      }
      return after;
    }
  }

  private static PairWeights weights(
      NDManager scope, Sampler sampler, TabularProblem problem, double[][] theta) {
    int x = problem.prompts();
    double[] caps = new double[x];
    for (int i = 0; i < x; i++) {
      double[] r = problem.rewards(i);
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      for (double v : r) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      caps[i] = sampler.weightCap(max - min);
    }
    NDArray t = scope.create(theta);
    NDArray r = scope.create(problem.toArray());
    return PairWeights.evaluate(
        sampler, t.logSoftmax(1), r, -Math.log(problem.responses()), BETA, caps, scope);
  }
}
