package dpo.api.backend;

/**
 * What one training step measured.
 *
 * @param loss the loss before the update, averaged over prompts; NaN when the step was asked not to
 *     measure it (see {@link TabularPolicy#exactStep(dpo.api.sampler.Sampler,
 *     dpo.api.objective.Objective, StepSize, boolean)})
 * @param meanStepSize the step size applied, averaged over prompts (differs per prompt for the
 *     Newton step)
 */
public record StepReport(double loss, double meanStepSize) {

  /**
   * The report of a step from its per-prompt losses and step sizes.
   *
   * @param promptLoss loss of each prompt
   * @param promptStep step size of each prompt, same length
   * @return the means over prompts
   */
  public static StepReport meanOver(double[] promptLoss, double[] promptStep) {
    double loss = 0;
    double step = 0;
    for (int x = 0; x < promptLoss.length; x++) {
      loss += promptLoss[x];
      step += promptStep[x];
    }
    return new StepReport(loss / promptLoss.length, step / promptLoss.length);
  }
}
