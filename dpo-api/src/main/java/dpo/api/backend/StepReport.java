package dpo.api.backend;

/**
 * What one training step measured.
 *
 * @param loss the loss before the update, averaged over prompts
 * @param meanStepSize the step size applied, averaged over prompts (differs per prompt for the
 *     Newton step)
 */
public record StepReport(double loss, double meanStepSize) {}
