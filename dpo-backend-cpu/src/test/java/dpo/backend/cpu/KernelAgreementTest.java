package dpo.backend.cpu;

import static dpo.backend.cpu.CpuTabularPolicyTest.objective;
import static dpo.backend.cpu.CpuTabularPolicyTest.sampler;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.StepSize;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import dpo.api.objective.Objective;
import dpo.api.sampler.Sampler;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The SIMD kernel, the scalar kernel, the stable form and the generic path all agree. */
class KernelAgreementTest {
  private static final List<String> SAMPLERS =
      List.of(
          "dpo-unif",
          "dpo-mix-r",
          "dpo-mix-p",
          "dpo-mix-p-star",
          "on-policy",
          "mix-p",
          "half-mix-p");

  /** One exact step from theta0; returns the new theta (flattened) followed by the loss. */
  private static double[] step(
      String kernel,
      TabularProblem problem,
      double[][] theta0,
      Sampler sampler,
      Objective objective,
      StepSize stepSize) {
    return step(kernel, problem, theta0, sampler, objective, stepSize, true);
  }

  /** As above; without the loss, the last entry is the report's loss, NaN when skipped. */
  private static double[] step(
      String kernel,
      TabularProblem problem,
      double[][] theta0,
      Sampler sampler,
      Objective objective,
      StepSize stepSize,
      boolean lossNeeded) {
    BackendConfig config = new BackendConfig(1).withOption(CpuBackend.KERNEL, kernel);
    try (PolicyBackend backend = new CpuBackendProvider().create(config);
        TabularPolicy policy = backend.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
      for (int x = 0; x < theta0.length; x++) {
        policy.setParameters(x, theta0[x]);
      }
      double loss = policy.exactStep(sampler, objective, stepSize, lossNeeded).loss();
      int y = problem.responses();
      double[] out = new double[theta0.length * y + 1];
      double[] row = new double[y];
      for (int x = 0; x < theta0.length; x++) {
        policy.parameters(x, row);
        for (int j = 0; j < y; j++) {
          // The update theta0 - theta1 = eta * grad is what the kernels compute.
          out[x * y + j] = theta0[x][j] - row[j];
        }
      }
      out[out.length - 1] = loss;
      return out;
    }
  }

  private static void assertClose(double[] expected, double[] actual, double rel, String what) {
    double scale = 0;
    for (double v : expected) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int i = 0; i < expected.length; i++) {
      assertTrue(Double.isFinite(actual[i]), what + ": non-finite at " + i);
      assertEquals(expected[i], actual[i], rel * scale, what + " at " + i);
    }
  }

  private static TabularProblem problem(int x, int y, double rewardScale, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[][] rewards = new double[x][y];
    for (double[] row : rewards) {
      for (int j = 0; j < y; j++) {
        row[j] = rewardScale * r.nextGaussian();
      }
    }
    return new TabularProblem(rewards);
  }

  private static double[][] theta(int x, int y, double scale, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[][] t = new double[x][y];
    for (double[] row : t) {
      for (int j = 0; j < y; j++) {
        row[j] = scale * r.nextGaussian();
      }
    }
    return t;
  }

  @Test
  void simdAndScalarAgreeOnOddSizesAndTails() {
    Objective sigmoid = objective("sigmoid");
    for (int y : new int[] {2, 3, 7, 9, 17, 33, 100}) {
      TabularProblem p = problem(3, y, 1, y);
      double[][] t = theta(3, y, 0.7, 100 + y);
      for (String id : SAMPLERS) {
        Sampler s = sampler(id);
        double[] scalar = step("scalar", p, t, s, sigmoid, StepSize.newton());
        double[] simd = step("simd", p, t, s, sigmoid, StepSize.newton());
        assertClose(scalar, simd, 1e-12, id + " Y=" + y);
      }
    }
  }

  @Test
  void extremeLogitsAndRewardsStayFiniteAndAgree() {
    Objective sigmoid = objective("sigmoid");
    int y = 13;
    SplittableRandom r = new SplittableRandom(5);
    double[][] rewards = new double[2][y];
    double[][] t = new double[2][y];
    for (int x = 0; x < 2; x++) {
      for (int j = 0; j < y; j++) {
        rewards[x][j] = 50 * (2 * r.nextDouble() - 1);
        // |beta * theta| up to 700 with beta = 3.
        t[x][j] = (700.0 / 3) * (2 * r.nextDouble() - 1);
      }
    }
    t[0][0] = 700.0 / 3;
    t[0][1] = -700.0 / 3;
    rewards[1][0] = 50;
    rewards[1][1] = -50;
    TabularProblem p = new TabularProblem(rewards);
    for (String id : SAMPLERS) {
      Sampler s = sampler(id);
      double[] scalar = step("scalar", p, t, s, sigmoid, StepSize.fixed(1e-3));
      double[] simd = step("simd", p, t, s, sigmoid, StepSize.fixed(1e-3));
      assertClose(scalar, simd, 1e-12, id + " extreme");
    }
  }

  /** The update part of a {@link #step} result, without the trailing loss. */
  private static double[] update(double[] step) {
    return java.util.Arrays.copyOf(step, step.length - 1);
  }

  @Test
  void stepsWithoutTheLossUpdateAsTheFullScalarStepAndSkipIt() {
    Objective smoothed =
        java.util.ServiceLoader.load(dpo.api.objective.ObjectiveProvider.class).stream()
            .map(java.util.ServiceLoader.Provider::get)
            .filter(o -> o.id().equals("sigmoid"))
            .findFirst()
            .orElseThrow()
            .create(new dpo.api.objective.ObjectiveConfig(3, 0.1));
    for (Objective o : List.of(objective("sigmoid"), smoothed)) {
      for (int y : new int[] {2, 3, 7, 9, 17, 33, 100}) {
        TabularProblem p = problem(3, y, 1, y);
        double[][] t = theta(3, y, 0.7, 100 + y);
        for (String id : SAMPLERS) {
          Sampler s = sampler(id);
          for (StepSize size : List.of(StepSize.newton(), StepSize.fixed(0.5))) {
            double[] reference = step("scalar", p, t, s, o, size);
            for (String kernel : List.of("scalar", "simd")) {
              double[] fast = step(kernel, p, t, s, o, size, false);
              String what = kernel + " " + id + " Y=" + y + " " + size;
              assertClose(update(reference), update(fast), 1e-12, what);
              assertTrue(Double.isNaN(fast[fast.length - 1]), what + ": loss skipped");
            }
          }
        }
      }
    }
  }

  @Test
  void stepsWithoutTheLossAgreeAtExtremeSpreads() {
    Objective sigmoid = objective("sigmoid");
    int y = 13;
    SplittableRandom r = new SplittableRandom(6);
    double[][] rewards = new double[3][y];
    double[][] t = new double[3][y];
    for (int x = 0; x < 3; x++) {
      for (int j = 0; j < y; j++) {
        // Prompt 0: beta theta spread 400 and reward spread 300, past the one-division form.
        rewards[x][j] = (x == 0 ? 150 : 20) * (2 * r.nextDouble() - 1);
        t[x][j] = (x == 2 ? 233 : 200.0 / 3) * (2 * r.nextDouble() - 1);
      }
    }
    rewards[0][0] = 150;
    rewards[0][1] = -150;
    TabularProblem p = new TabularProblem(rewards);
    for (String id : SAMPLERS) {
      Sampler s = sampler(id);
      double[] reference = step("scalar", p, t, s, sigmoid, StepSize.fixed(1e-3));
      for (String kernel : List.of("scalar", "simd")) {
        double[] fast = step(kernel, p, t, s, sigmoid, StepSize.fixed(1e-3), false);
        assertClose(update(reference), update(fast), 1e-12, kernel + " " + id + " extreme");
      }
    }
  }

  @Test
  void oneDivisionFormAgreesWithTheStableForm() {
    int y = 23;
    TabularProblem p = problem(1, y, 2, 8);
    double[][] t = theta(1, y, 1.5, 9);
    double beta = 3;
    double[] logPi = CpuTabularPolicyTest.logSoftmax(t[0]);
    double[] flatRewards = p.rewards(0);
    for (String id : SAMPLERS) {
      for (double smoothing : new double[] {0, 0.1}) {
        PairWeights w = new PairWeights(y);
        w.prepare(sampler(id), logPi, -Math.log(y), flatRewards, beta);
        LogisticInputs in = new LogisticInputs(y);
        in.prepare(t[0], flatRewards, 0, beta);
        assertTrue(in.fusedSafe && w.separable());
        for (ExactKernel kernel : List.of(new ScalarKernel(), new SimdKernel())) {
          double[] grad = new double[y];
          double[] gradStable = new double[y];
          double[] sums = new double[2];
          double[] sumsStable = new double[2];
          kernel.gradientSums(in, w, beta, smoothing, grad, sums);
          ExactKernel.stableSums(in, w, beta, smoothing, gradStable, sumsStable);
          String what = kernel.name() + " " + id + " smoothing " + smoothing;
          assertClose(gradStable, grad, 1e-12, what + " gradient");
          assertEquals(sumsStable[0], sums[0], 1e-12 * sumsStable[0], what + " weight sum");
          assertTrue(Double.isNaN(sums[1]), what + ": no loss");
        }
      }
    }
  }

  @Test
  void ratioFormAgreesWithTheStableForm() {
    int y = 23;
    TabularProblem p = problem(1, y, 2, 8);
    double[][] t = theta(1, y, 1.5, 9);
    double beta = 3;
    double[] logPi = CpuTabularPolicyTest.logSoftmax(t[0]);
    double[] flatTheta = t[0].clone();
    double[] flatRewards = p.rewards(0);
    for (String id : SAMPLERS) {
      for (double smoothing : new double[] {0, 0.1}) {
        PairWeights w = new PairWeights(y);
        w.prepare(sampler(id), logPi, -Math.log(y), flatRewards, beta);
        LogisticInputs in = new LogisticInputs(y);
        in.prepare(flatTheta, flatRewards, 0, beta);
        assertTrue(in.ratioSafe && w.separable());
        double[] gradRatio = new double[y];
        double[] gradStable = new double[y];
        double[] sumsRatio = new double[2];
        double[] sumsStable = new double[2];
        new ScalarKernel().ratioSums(in, w, beta, smoothing, gradRatio, sumsRatio);
        ExactKernel.stableSums(in, w, beta, smoothing, gradStable, sumsStable);
        assertClose(gradStable, gradRatio, 1e-12, id + " gradient");
        assertClose(sumsStable, sumsRatio, 1e-12, id + " sums");
      }
    }
  }

  @Test
  void logisticKernelEqualsTheGenericPairByPairPath() {
    Objective sigmoid = objective("sigmoid");
    // The same loss without its closed form: the policy must take the generic path.
    Objective opaque =
        new Objective() {
          @Override
          public double beta() {
            return sigmoid.beta();
          }

          @Override
          public double loss(double h, double p) {
            return sigmoid.loss(h, p);
          }

          @Override
          public double derivative(double h, double p) {
            return sigmoid.derivative(h, p);
          }
        };
    TabularProblem p = problem(2, 11, 1, 3);
    double[][] t = theta(2, 11, 0.5, 4);
    for (String id : SAMPLERS) {
      Sampler s = sampler(id);
      double[] generic = step("simd", p, t, s, opaque, StepSize.newton());
      double[] fast = step("simd", p, t, s, sigmoid, StepSize.newton());
      assertClose(generic, fast, 1e-12, id);
    }
  }

  @Test
  void unknownOptionsAndKernelsAreRejected() {
    dpo.api.ConfigurationException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            dpo.api.ConfigurationException.class,
            () ->
                new CpuBackendProvider().create(new BackendConfig(1).withOption("kernal", "simd")));
    assertTrue(e.getMessage().contains("kernel"), e.getMessage());
    assertTrue(
        org.junit.jupiter.api.Assertions.assertThrows(
                dpo.api.ConfigurationException.class,
                () ->
                    new CpuBackendProvider()
                        .create(new BackendConfig(1).withOption("kernel", "gpu")))
            .getMessage()
            .contains("auto, simd or scalar"));
  }
}
