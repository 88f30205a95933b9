package dpo.core.metrics;

import java.util.OptionalDouble;

/**
 * A run's reward at a given KL, read off its reward-KL curve: the points (KL, reward) of iterations
 * 0..N joined by straight lines, in iteration order. The curve need not be monotone in KL (an
 * iteration can end closer to the reference than the one before), so a level can be crossed more
 * than once; the reward is taken where the run first reaches the level, i.e. on the first segment
 * whose KL range contains it. Nothing is extrapolated: a level above the run's largest KL has no
 * value.
 */
public final class Interpolation {
  private Interpolation() {}

  /**
   * The value of y where the path through (x_0, y_0), (x_1, y_1), ... first reaches x = level.
   *
   * @param x the KL of each point, in path order
   * @param y the reward of each point
   * @param level the KL level
   * @return y at the first crossing, linear between the two points around it; empty if the path
   *     never reaches the level
   */
  public static OptionalDouble firstCrossing(double[] x, double[] y, double level) {
    if (x.length != y.length || x.length == 0) {
      throw new IllegalArgumentException(
          "x and y must have the same, non-zero length, got " + x.length + " and " + y.length);
    }
    if (x[0] == level) {
      return OptionalDouble.of(y[0]);
    }
    for (int i = 1; i < x.length; i++) {
      double lo = Math.min(x[i - 1], x[i]);
      double hi = Math.max(x[i - 1], x[i]);
      if (level >= lo && level <= hi) {
        if (x[i] == x[i - 1]) {
          return OptionalDouble.of(y[i - 1]);
        }
        double t = (level - x[i - 1]) / (x[i] - x[i - 1]);
        return OptionalDouble.of(y[i - 1] + t * (y[i] - y[i - 1]));
      }
    }
    return OptionalDouble.empty();
  }

  /**
   * The largest x of a path: every level between its first point and this one is reached.
   *
   * @param x the points' x
   * @return the maximum
   */
  public static double reach(double[] x) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : x) {
      max = Math.max(max, v);
    }
    return max;
  }
}
