package dpo.api.lm;

/**
 * The next-token loss of a {@link TokenBatch}: the mean negative log-likelihood over its target
 * tokens (every target token weighs the same, whichever block it is in).
 *
 * @param loss mean negative log-likelihood per target token, in nats (before the update)
 * @param tokens number of target tokens
 * @param gradNorm global gradient L2 norm before clipping; NaN when no update was made
 * @param learningRate learning rate of the update; NaN when no update was made
 */
public record TokenLoss(double loss, long tokens, double gradNorm, double learningRate) {

  /**
   * The perplexity, exp of the mean token negative log-likelihood.
   *
   * @return the perplexity
   */
  public double perplexity() {
    return Math.exp(loss);
  }
}
