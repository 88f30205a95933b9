package dpo.core.training;

import dpo.api.ConfigurationException;
import dpo.api.lm.TrainerConfig;

/**
 * How long and how to train on a fixed dataset, shared by every command that does.
 *
 * @param steps optimizer steps; 0 to train for {@code epochs} instead
 * @param epochs passes over the training examples, used when {@code steps} is 0; may be fractional
 * @param batchSize examples per optimizer step
 * @param learningRate peak AdamW learning rate
 * @param warmupSteps steps of linear warm-up, then cosine decay to 0 at the last step
 * @param weightDecay decoupled weight decay of the matrices
 * @param clipNorm largest global gradient norm; 0 disables clipping
 * @param evalEvery held-out evaluation every this many steps (and after the last); 0: after the
 *     last only
 * @param checkpointEvery a checkpoint every this many steps (and after the last); 0: after the last
 *     only
 * @param seed seed of the batch order (each epoch is a fresh permutation drawn from it)
 */
public record TrainingSettings(
    int steps,
    double epochs,
    int batchSize,
    double learningRate,
    int warmupSteps,
    double weightDecay,
    double clipNorm,
    int evalEvery,
    int checkpointEvery,
    long seed) {

  /** Validates the settings, each error naming its field. */
  public TrainingSettings {
    check("steps", steps >= 0, steps, ">= 0 (0: train for --epochs)");
    check("epochs", steps > 0 || epochs > 0, epochs, "> 0 when no step count is given");
    check("batchSize", batchSize >= 1, batchSize, ">= 1");
    check("learningRate", learningRate > 0, learningRate, "> 0");
    check("warmupSteps", warmupSteps >= 0, warmupSteps, ">= 0");
    check("weightDecay", weightDecay >= 0, weightDecay, ">= 0");
    check("clipNorm", clipNorm >= 0, clipNorm, ">= 0 (0: no clipping)");
    check("evalEvery", evalEvery >= 0, evalEvery, ">= 0 (0: after the last step only)");
    check(
        "checkpointEvery", checkpointEvery >= 0, checkpointEvery, ">= 0 (0: after the last step)");
  }

  private static void check(String field, boolean ok, double value, String rule) {
    if (!ok || Double.isNaN(value)) {
      throw new ConfigurationException(
          field,
          field
              + " must be "
              + rule
              + ", got "
              + (value == (long) value ? "" + (long) value : "" + value));
    }
  }

  /**
   * Optimizer steps of one epoch: the examples in batches, the last one possibly smaller.
   *
   * @param examples training examples
   * @return the step count
   */
  public int stepsPerEpoch(int examples) {
    return (examples + batchSize - 1) / batchSize;
  }

  /**
   * The total step count for a dataset.
   *
   * @param examples training examples
   * @return {@code steps}, or the epochs' steps (at least 1)
   */
  public int totalSteps(int examples) {
    if (steps > 0) {
      return steps;
    }
    return (int) Math.max(1, Math.round(epochs * stepsPerEpoch(examples)));
  }

  /**
   * The optimizer: AdamW(0.9, 0.999, 1e-8) with these settings, cosine to 0 over {@code total}.
   *
   * @param total the total step count
   * @return the config
   */
  public TrainerConfig trainerConfig(int total) {
    return new TrainerConfig(
        learningRate, weightDecay, 0.9, 0.999, 1e-8, warmupSteps, total, 0, clipNorm);
  }
}
