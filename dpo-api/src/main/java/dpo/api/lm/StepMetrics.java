package dpo.api.lm;

/**
 * What one DPO step measured, with the names the field's trainers log (TRL): implicit rewards are
 * beta times the policy/reference log-ratio of a response.
 *
 * @param loss mean objective loss over the batch (before the update)
 * @param rewardsChosen mean implicit reward of the chosen responses
 * @param rewardsRejected mean implicit reward of the rejected responses
 * @param rewardsAccuracy fraction of pairs whose chosen implicit reward is higher
 * @param logpsChosen mean policy log-probability of the chosen responses
 * @param logpsRejected mean policy log-probability of the rejected responses
 * @param gradNorm global gradient L2 norm before clipping
 * @param learningRate learning rate used by the update
 */
public record StepMetrics(
    double loss,
    double rewardsChosen,
    double rewardsRejected,
    double rewardsAccuracy,
    double logpsChosen,
    double logpsRejected,
    double gradNorm,
    double learningRate) {

  /**
   * Mean implicit reward margin, chosen minus rejected.
   *
   * @return the margin
   */
  public double rewardsMargin() {
    return rewardsChosen - rewardsRejected;
  }
}
