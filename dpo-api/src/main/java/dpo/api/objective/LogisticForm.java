package dpo.api.objective;

/**
 * The closed form of the logistic (sigmoid) DPO loss, which a backend may evaluate in bulk instead
 * of calling {@link Objective#loss} per pair: with q = (1 - labelSmoothing) p + labelSmoothing (1 -
 * p), loss(h, p) = softplus(beta h) - q beta h and d loss / dh = beta (sigma(beta h) - q).
 *
 * @param beta the KL coefficient, > 0
 * @param labelSmoothing the label flip probability in [0, 0.5)
 */
public record LogisticForm(double beta, double labelSmoothing) {

  /**
   * Validates the components.
   *
   * @param beta the KL coefficient, > 0
   * @param labelSmoothing the label flip probability in [0, 0.5)
   */
  public LogisticForm {
    if (!(beta > 0) || Double.isInfinite(beta)) {
      throw new IllegalArgumentException("beta must be a finite number > 0, got " + beta);
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
      throw new IllegalArgumentException(
          "labelSmoothing must be in [0, 0.5), got " + labelSmoothing);
    }
  }

  /**
   * The logistic function sigma(x) = 1 / (1 + e^-x), accurate in both tails.
   *
   * @param x the argument
   * @return sigma(x) in [0, 1]
   */
  public static double sigmoid(double x) {
    if (x >= 0) {
      return 1 / (1 + Math.exp(-x));
    }
    double e = Math.exp(x);
    return e / (1 + e);
  }

  /**
   * softplus(x) = log(1 + e^x) = -log sigma(-x), without overflow for large x.
   *
   * @param x the argument
   * @return softplus(x) >= 0
   */
  public static double softplus(double x) {
    return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  }
}
