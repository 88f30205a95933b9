package dpo.core.objective;

import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;

/**
 * An objective defined by its loss when the first response wins, {@code win(h)}. The loss for a
 * label probability p is the expectation over the (smoothed) label: q * win(h) + (1 - q) * win(-h)
 * with q = (1 - eps) p + eps (1 - p). That makes every objective symmetric under swapping the pair
 * and turns hard-label losses into their soft-label forms in one place.
 */
abstract class LabelledObjective implements Objective {
  private final double beta;
  private final double smoothing;

  LabelledObjective(ObjectiveConfig config) {
    this.beta = config.beta();
    this.smoothing = config.labelSmoothing();
  }

  /** The loss of an ordered pair whose first response wins. */
  abstract double win(double h);

  /** d win(h) / dh. */
  abstract double winDerivative(double h);

  @Override
  public final double beta() {
    return beta;
  }

  @Override
  public final double loss(double h, double p) {
    double q = smoothed(p);
    // Skip a zero-weight term: it may be infinite (e.g. -log sigmoid of a huge margin).
    double a = q == 0 ? 0 : q * win(h);
    double b = q == 1 ? 0 : (1 - q) * win(-h);
    return a + b;
  }

  @Override
  public final double derivative(double h, double p) {
    double q = smoothed(p);
    return q * winDerivative(h) - (1 - q) * winDerivative(-h);
  }

  private double smoothed(double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("preference probability must be in [0, 1], got " + p);
    }
    return smoothing == 0 ? p : (1 - smoothing) * p + smoothing * (1 - p);
  }
}
