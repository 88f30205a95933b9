package dpo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.StepSize;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.core.DpoRuntime;
import dpo.core.bandit.BanditExperiment;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;

/** The ceiling computes the backend's dpo-mix-p step, so the ratio of their speeds is fair. */
class MixPCeilingTest {

  @Test
  void stepsAsTheCpuBackendDoesForDpoMixP() {
    int prompts = 3;
    int responses = 37; // not a multiple of any vector width: the tail runs too
    double beta = 3;
    double lr = 0.7;
    DpoRuntime runtime = DpoRuntime.builder().build();
    Objective sigmoid = runtime.objectives().get("sigmoid").create(ObjectiveConfig.ofBeta(beta));
    TabularProblem problem = BanditExperiment.gaussianRewards(prompts, responses, 11);
    MixPCeiling ceiling = new MixPCeiling(problem, beta, lr);
    ForkJoinPool pool = new ForkJoinPool(2);
    try (PolicyBackend backend =
            runtime
                .backends()
                .get("cpu")
                .create(new BackendConfig(1).withOption("kernel", "scalar"));
        TabularPolicy policy = backend.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
      SplittableRandom r = new SplittableRandom(12);
      double[] row = new double[responses];
      for (int x = 0; x < prompts; x++) {
        for (int y = 0; y < responses; y++) {
          row[y] = 0.5 * r.nextGaussian();
        }
        policy.setParameters(x, row);
        ceiling.setParameters(x, row);
      }
      double[] expected = new double[responses];
      double[] actual = new double[responses];
      for (int step = 0; step < 3; step++) {
        policy.exactStep(
            runtime.samplers().get("dpo-mix-p").create(), sigmoid, StepSize.fixed(lr), true);
        ceiling.step(pool);
        for (int x = 0; x < prompts; x++) {
          policy.parameters(x, expected);
          ceiling.parameters(x, actual);
          for (int y = 0; y < responses; y++) {
            assertEquals(expected[y], actual[y], 1e-12, "step " + step + " prompt " + x);
          }
        }
      }
    } finally {
      pool.shutdown();
    }
  }
}
