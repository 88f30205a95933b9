package dpo.backend.cpu;

import static dpo.backend.cpu.CpuTabularPolicyTest.objective;
import static dpo.backend.cpu.CpuTabularPolicyTest.sampler;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.StepReport;
import dpo.api.backend.StepSize;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import dpo.api.objective.Objective;
import dpo.api.sampler.Sampler;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The sampled step's draws and sums are fixed: a checksum of the parameter and loss bits after a
 * few steps equals the one the step gave when it drew pair by pair from per-prompt {@code
 * SplittableRandom.split()} streams (commit f152b8c), so bundled empirical results stay the same
 * bytes, in both kernels. Samplers cover the direct draw (uncapped, one or several components; 300
 * pairs also leave a partial vector of lanes), the capped draws (rejection and by row) and
 * objectives without a logistic form.
 */
class SampledStepGoldenTest {

  @ParameterizedTest
  @CsvSource({
    "dpo-mix-p, sigmoid, 1, 2.0, 1660585003719207154",
    "dpo-mix-p, sigmoid, 2, 2.0, 1660585003719207154",
    "dpo-mix-p-star, sigmoid, 1, 2.0, 1660585003719207154",
    "dpo-unif, sigmoid, 1, 2.0, -1315332239247400646",
    "on-policy, sigmoid, 1, 2.0, -4941373158723583168",
    "hybrid, sigmoid, 1, 2.0, -1019788632198137829",
    "mix-p, ipo, 1, 2.0, 7844707051480898217",
    "dpo-mix-p-star, sigmoid, 1, 0.05, -5770182006753612524",
    "dpo-mix-p-star, sigmoid, 2, 0.3, -3404578170912489534",
    "vanilla, hinge, 1, 2.0, -732769253205634596",
    "dpo-mix-p, ipo, 2, 2.0, -1190752896603781089",
  })
  void checksumsAreThoseOfThePairByPairDraws(
      String samplerId, String objectiveId, int threads, double rewardScale, long expected) {
    for (String kernel : new String[] {"scalar", "simd"}) {
      assertEquals(
          expected,
          checksum(sampler(samplerId), objective(objectiveId), threads, rewardScale, kernel),
          kernel + " kernel");
    }
  }

  /**
   * Parameter and loss bits after 6 sampled steps of 300 pairs on 3 prompts of 40 responses, with
   * rewards rewardScale * N(0, 1): small scales make dpo-mix-p-star's cap bind.
   */
  static long checksum(
      Sampler sampler, Objective objective, int threads, double rewardScale, String kernel) {
    SplittableRandom r = new SplittableRandom(31);
    double[][] rewards = new double[3][40];
    for (double[] row : rewards) {
      for (int j = 0; j < row.length; j++) {
        row[j] = rewardScale * r.nextGaussian();
      }
    }
    TabularProblem problem = new TabularProblem(rewards);
    long sum = 0;
    try (PolicyBackend backend =
            new CpuBackendProvider()
                .create(new BackendConfig(threads).withOption("kernel", kernel));
        TabularPolicy policy = backend.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
      double[] row = new double[40];
      for (int x = 0; x < 3; x++) {
        for (int y = 0; y < 40; y++) {
          row[y] = 0.5 * r.nextGaussian();
        }
        policy.setParameters(x, row);
      }
      SplittableRandom draws = new SplittableRandom(77);
      for (int t = 0; t < 6; t++) {
        StepReport report = policy.sampledStep(sampler, objective, StepSize.fixed(0.3), 300, draws);
        sum = 31 * sum + Double.doubleToLongBits(report.loss());
      }
      for (int x = 0; x < 3; x++) {
        policy.parameters(x, row);
        for (double v : row) {
          sum = 31 * sum + Double.doubleToLongBits(v);
        }
      }
    }
    return sum;
  }
}
