package dpo.core.metrics;

import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Summary of an error curve e_0, e_1, ...: the final error, the first step below given thresholds,
 * and the estimated order of convergence p, the least-squares slope of log e_{t+1} against log e_t
 * over the decreasing part of the curve. p is about 1 for linear and about 2 for quadratic
 * convergence.
 *
 * <p>The decreasing part is the longest run of steps along which the error strictly decreases and
 * stays above {@link #NOISE_FLOOR}, below which double-precision rounding, not the optimiser,
 * decides the error. A run rather than a prefix, because a large fixed step may overshoot first.
 *
 * @param finalError the last error
 * @param stepsTo1e6 the first step with error below 1e-6, if any
 * @param stepsTo1e10 the first step with error below 1e-10, if any
 * @param order the estimated order, if the decreasing part has at least two steps
 * @param fittedFrom the first step of the decreasing part
 * @param fittedSteps how many consecutive pairs (e_t, e_{t+1}) the order was fitted on
 */
public record Convergence(
    double finalError,
    OptionalInt stepsTo1e6,
    OptionalInt stepsTo1e10,
    OptionalDouble order,
    int fittedFrom,
    int fittedSteps) {

  /** Errors at or below this are rounding noise for quantities of order one. */
  public static final double NOISE_FLOOR = 1e-13;

  /**
   * Summarises a curve.
   *
   * @param errors e_0 .. e_T, at least one value
   * @return the summary
   */
  public static Convergence of(double[] errors) {
    if (errors.length == 0) {
      throw new IllegalArgumentException("an error curve needs at least one value");
    }
    int bestStart = 0;
    int bestLength = 0;
    int start = 0;
    for (int t = 0; t + 1 < errors.length; t++) {
      boolean decreasing = errors[t + 1] < errors[t] && errors[t + 1] > NOISE_FLOOR;
      if (!decreasing) {
        start = t + 1;
      } else if (t + 1 - start > bestLength) {
        bestStart = start;
        bestLength = t + 1 - start;
      }
    }
    return new Convergence(
        errors[errors.length - 1],
        firstBelow(errors, 1e-6),
        firstBelow(errors, 1e-10),
        bestLength >= 2
            ? OptionalDouble.of(slope(errors, bestStart, bestLength))
            : OptionalDouble.empty(),
        bestStart,
        bestLength);
  }

  /** Least-squares slope of log e_{t+1} on log e_t for t = from .. from + n - 1. */
  private static double slope(double[] e, int from, int n) {
    double sx = 0;
    double sy = 0;
    for (int t = from; t < from + n; t++) {
      sx += Math.log(e[t]);
      sy += Math.log(e[t + 1]);
    }
    double mx = sx / n;
    double my = sy / n;
    double sxy = 0;
    double sxx = 0;
    for (int t = from; t < from + n; t++) {
      double dx = Math.log(e[t]) - mx;
      sxy += dx * (Math.log(e[t + 1]) - my);
      sxx += dx * dx;
    }
    return sxy / sxx;
  }

  private static OptionalInt firstBelow(double[] errors, double threshold) {
    for (int t = 0; t < errors.length; t++) {
      if (errors[t] < threshold) {
        return OptionalInt.of(t);
      }
    }
    return OptionalInt.empty();
  }
}
