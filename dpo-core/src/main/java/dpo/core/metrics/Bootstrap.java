package dpo.core.metrics;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Percentile bootstrap confidence intervals of a mean. For paired data (the same seed under two
 * samplers) pass the per-pair differences: resampling whole pairs keeps what the pair shares (the
 * reference model, the prompts, the evaluation draws) out of the interval's width.
 *
 * <p>The interval is the percentile method's: B resamples of the n values with replacement, the
 * mean of each, and the empirical (1 - level) / 2 and (1 + level) / 2 quantiles of the B means,
 * each the order statistic at rank ceil(q B) (the inverse of the empirical distribution function,
 * so a quantile is always one of the means). Resampling is seeded, so an interval is reproducible.
 *
 * @param resamples B, >= 1
 * @param level the confidence level, in (0, 1)
 * @param seed the seed of the resampling
 */
public record Bootstrap(int resamples, double level, long seed) {

  /** The comparison's default: 10,000 resamples, 95%, seed 1. */
  public static final Bootstrap DEFAULT = new Bootstrap(10_000, 0.95, 1);

  /**
   * A lower and an upper bound.
   *
   * @param low the lower bound
   * @param high the upper bound
   */
  public record Interval(double low, double high) {}

  /**
   * Checks the settings.
   *
   * @param resamples B, >= 1
   * @param level the confidence level, in (0, 1)
   * @param seed the seed of the resampling
   */
  public Bootstrap {
    if (resamples < 1) {
      throw new IllegalArgumentException("resamples must be >= 1, got " + resamples);
    }
    if (!(level > 0 && level < 1)) {
      throw new IllegalArgumentException("level must be in (0, 1), got " + level);
    }
  }

  /**
   * The percentile interval of the mean of some values.
   *
   * @param values n >= 1 finite values (for a paired comparison, the differences)
   * @return the interval; a single value gives the degenerate interval [x, x]
   */
  public Interval meanInterval(double[] values) {
    int n = values.length;
    if (n == 0) {
      throw new IllegalArgumentException("the bootstrap needs at least one value");
    }
    SplittableRandom random = new SplittableRandom(seed);
    double[] means = new double[resamples];
    for (int b = 0; b < resamples; b++) {
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += values[random.nextInt(n)];
      }
      means[b] = sum / n;
    }
    Arrays.sort(means);
    double tail = (1 - level) / 2;
    return new Interval(quantile(means, tail), quantile(means, 1 - tail));
  }

  /**
   * The empirical q-quantile of sorted values: the order statistic at rank ceil(q n), at least 1.
   *
   * @param sorted ascending values
   * @param q in [0, 1]
   * @return the quantile
   */
  public static double quantile(double[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length - 1e-9);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
  }
}
