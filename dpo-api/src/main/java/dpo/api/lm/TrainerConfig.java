package dpo.api.lm;

import dpo.api.ConfigurationException;

/**
 * AdamW with a linear warm-up then cosine decay, and global gradient-norm clipping.
 *
 * @param learningRate peak learning rate
 * @param weightDecay decoupled weight decay (AdamW), applied to matrices only
 * @param beta1 first-moment decay
 * @param beta2 second-moment decay
 * @param epsilon added to the second-moment root
 * @param warmupSteps steps of linear warm-up from 0 to the peak
 * @param totalSteps steps after which the cosine schedule reaches {@code minLearningRate}; 0 keeps
 *     the peak after warm-up
 * @param minLearningRate floor of the cosine schedule
 * @param clipNorm largest global gradient L2 norm; 0 disables clipping
 */
public record TrainerConfig(
    double learningRate,
    double weightDecay,
    double beta1,
    double beta2,
    double epsilon,
    int warmupSteps,
    int totalSteps,
    double minLearningRate,
    double clipNorm) {

  /**
   * Validates the settings.
   *
   * @param learningRate peak learning rate
   * @param weightDecay decoupled weight decay (AdamW), applied to matrices only
   * @param beta1 first-moment decay
   * @param beta2 second-moment decay
   * @param epsilon added to the second-moment root
   * @param warmupSteps steps of linear warm-up from 0 to the peak
   * @param totalSteps steps after which the cosine schedule reaches {@code minLearningRate}; 0
   *     keeps the peak after warm-up
   * @param minLearningRate floor of the cosine schedule
   * @param clipNorm largest global gradient L2 norm; 0 disables clipping
   */
  public TrainerConfig {
    check("learningRate", learningRate > 0, learningRate, "> 0");
    check("weightDecay", weightDecay >= 0, weightDecay, ">= 0");
    check("beta1", beta1 >= 0 && beta1 < 1, beta1, "in [0, 1)");
    check("beta2", beta2 >= 0 && beta2 < 1, beta2, "in [0, 1)");
    check("epsilon", epsilon > 0, epsilon, "> 0");
    check("warmupSteps", warmupSteps >= 0, warmupSteps, ">= 0");
    check("totalSteps", totalSteps >= 0, totalSteps, ">= 0 (0 = constant after warm-up)");
    check(
        "minLearningRate",
        minLearningRate >= 0 && minLearningRate <= learningRate,
        minLearningRate,
        "in [0, learningRate]");
    check("clipNorm", clipNorm >= 0, clipNorm, ">= 0 (0 = no clipping)");
  }

  private static void check(String field, boolean ok, double value, String rule) {
    if (!ok || Double.isNaN(value)) {
      throw new ConfigurationException(field, field + " must be " + rule + ", got " + value);
    }
  }

  /**
   * Common defaults for DPO on small models: AdamW(0.9, 0.999, 1e-8), weight decay 0.01, clipping
   * at norm 1, a constant rate after 10 warm-up steps.
   *
   * @param learningRate peak learning rate
   * @return the config
   */
  public static TrainerConfig adamW(double learningRate) {
    return new TrainerConfig(learningRate, 0.01, 0.9, 0.999, 1e-8, 10, 0, 0, 1.0);
  }

  /**
   * The same settings with a cosine schedule over {@code totalSteps} steps.
   *
   * @param warmup warm-up steps
   * @param total total steps
   * @return the config
   */
  public TrainerConfig withSchedule(int warmup, int total) {
    return new TrainerConfig(
        learningRate, weightDecay, beta1, beta2, epsilon, warmup, total, minLearningRate, clipNorm);
  }

  /**
   * The learning rate at a step (0-based): linear warm-up, then cosine decay.
   *
   * @param step the step
   * @return its learning rate
   */
  public double learningRateAt(long step) {
    if (step < warmupSteps) {
      return learningRate * (step + 1) / (warmupSteps + 1);
    }
    if (totalSteps <= warmupSteps) {
      return learningRate;
    }
    double progress = Math.min(1.0, (double) (step - warmupSteps) / (totalSteps - warmupSteps));
    return minLearningRate
        + 0.5 * (learningRate - minLearningRate) * (1 + Math.cos(Math.PI * progress));
  }
}
