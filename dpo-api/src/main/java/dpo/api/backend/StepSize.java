package dpo.api.backend;

/**
 * How far a tabular step moves each prompt's parameters along its negative gradient.
 *
 * <p>The loss of a multi-prompt problem is the mean over prompts, but the step size applies per
 * prompt: prompt x moves by {@code eta * grad L_x}, with L_x that prompt's loss. This matches the
 * paper's reference code, which multiplies the learning rate by the number of prompts.
 */
public sealed interface StepSize {

  /**
   * A fixed learning rate.
   *
   * @param learningRate eta, finite and > 0
   */
  record Fixed(double learningRate) implements StepSize {
    /**
     * Validates the learning rate.
     *
     * @param learningRate eta, finite and > 0
     */
    public Fixed {
      if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
        throw new IllegalArgumentException(
            "learning rate must be a finite number > 0, got " + learningRate);
      }
    }
  }

  /**
   * The paper's Newton step for one prompt, eta = Z / (2 beta^2 Y) with Z the sum of the sampler's
   * unnormalised pair weights. With DPO-Mix-P the Param Diff then converges quadratically.
   */
  record Newton() implements StepSize {}

  /**
   * A fixed learning rate.
   *
   * @param learningRate eta > 0
   * @return the step size
   */
  static StepSize fixed(double learningRate) {
    return new Fixed(learningRate);
  }

  /**
   * The Newton step.
   *
   * @return the step size
   */
  static StepSize newton() {
    return new Newton();
  }
}
