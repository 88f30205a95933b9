package dpo.testkit;

import dpo.api.backend.StepSize;
import dpo.api.backend.TabularProblem;
import dpo.api.sampler.Sampler;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The paper's tabular study with exact gradients (docs/method.md §3), as the testkit runs it: one
 * prompt, |Y| = 20, beta = 3, rewards from N(0, 1) drawn from the seed, 100 steps at eta = 10 for
 * dpo-unif, dpo-mix-r and dpo-mix-p; and its two curves, Param Diff and Value Diff.
 */
final class PaperStudy {
  private PaperStudy() {}

  static final int PROMPTS = 1;
  static final int RESPONSES = 20;
  static final double BETA = 3;
  static final long SEED = 1234567;
  static final int STEPS = 100;
  static final StepSize LEARNING_RATE = StepSize.fixed(10);

  /** The rewards r(x, y) ~ N(0, 1), drawn row by row from the seed. */
  static TabularProblem problem() {
    return TabularReference.randomProblem(PROMPTS, RESPONSES, SEED);
  }

  /** The study's samplers by id, in the order of the paper's figure. */
  static Map<String, Sampler> samplers() {
    Map<String, Sampler> samplers = new LinkedHashMap<>();
    samplers.put("dpo-unif", ReferenceSamplers.uniform());
    samplers.put("dpo-mix-r", ReferenceSamplers.mixR());
    samplers.put("dpo-mix-p", ReferenceSamplers.mixP());
    return samplers;
  }

  /**
   * Param Diff of one prompt: the mean over ordered pairs of |a_y - a_y'|, a = r - beta log pi.
   * Zero exactly at the optimum pi* proportional to pi_ref exp(r / beta).
   */
  static double paramDiff(double[] logPolicy, double[] rewards, double beta) {
    int n = rewards.length;
    double sum = 0;
    for (int y = 0; y < n; y++) {
      for (int y2 = 0; y2 < n; y2++) {
        sum += Math.abs((rewards[y] - beta * logPolicy[y]) - (rewards[y2] - beta * logPolicy[y2]));
      }
    }
    return sum / ((double) n * n);
  }

  /**
   * Value Diff of one prompt: V(pi*) - V(pi) = beta KL(pi || pi*), with V(pi) = sum pi_y (r_y -
   * beta log pi_y) under the uniform reference.
   */
  static double valueDiff(double[] logPolicy, double[] rewards, double beta) {
    int n = rewards.length;
    double[] scaled = new double[n];
    for (int y = 0; y < n; y++) {
      scaled[y] = rewards[y] / beta;
    }
    double[] logOptimum = TabularReference.logSoftmax(scaled);
    double kl = 0;
    for (int y = 0; y < n; y++) {
      kl += Math.exp(logPolicy[y]) * (logPolicy[y] - logOptimum[y]);
    }
    return beta * kl;
  }
}
