package dpo.core.objective;

/** Overflow-free logistic functions. */
final class Sigmoids {
  private Sigmoids() {}

  /** sigma(x) = 1 / (1 + e^-x), accurate in both tails. */
  static double sigmoid(double x) {
    if (x >= 0) {
      return 1 / (1 + Math.exp(-x));
    }
    double e = Math.exp(x);
    return e / (1 + e);
  }

  /** log(1 + e^x) = -log sigma(-x), without overflow for large x. */
  static double softplus(double x) {
    return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
  }
}
