package dpo.core.metrics;

import java.util.Arrays;

/**
 * The metrics of one prompt of a tabular policy with a uniform reference, docs/method.md §3:
 *
 * <ul>
 *   <li>Param Diff: the mean over all Y * Y ordered pairs of |d_y - d_y'| with d = r - beta log pi,
 *       zero exactly when pi = pi*;
 *   <li>Value: V(pi) = sum_y pi_y (r_y - beta log pi_y);
 *   <li>Value Diff: V(pi*) - V(pi) with pi* proportional to exp(r / beta).
 * </ul>
 *
 * <p>Param Diff is computed in O(Y log Y) from the sorted d. Value Diff is computed as beta * KL(pi
 * || pi*), which equals V(pi*) - V(pi) exactly but keeps its precision near convergence where the
 * difference of two values would cancel to rounding noise.
 *
 * @param paramDiff mean absolute pairwise difference of r - beta log pi
 * @param value V(pi)
 * @param valueDiff V(pi*) - V(pi), >= 0
 */
public record BanditMetrics(double paramDiff, double value, double valueDiff) {

  /**
   * Computes the metrics of one prompt.
   *
   * @param logPolicy log pi over the Y responses
   * @param rewards the Y rewards
   * @param beta the KL coefficient
   * @param scratch a buffer of length >= Y, overwritten
   * @return the metrics
   */
  public static BanditMetrics of(
      double[] logPolicy, double[] rewards, double beta, double[] scratch) {
    int n = rewards.length;
    double value = 0;
    for (int y = 0; y < n; y++) {
      scratch[y] = rewards[y] - beta * logPolicy[y];
      value += Math.exp(logPolicy[y]) * scratch[y];
    }
    return new BanditMetrics(
        meanAbsolutePairwiseDifference(scratch, n),
        value,
        beta * klToOptimum(logPolicy, rewards, beta));
  }

  /**
   * (1 / n^2) sum over i, j of |v_i - v_j|, in O(n log n): after sorting, the i-th smallest value
   * is subtracted by the i values below it and subtracts the n - 1 - i values above it.
   *
   * @param values the values; the first n are sorted in place
   * @param n how many values to use
   * @return the mean absolute difference over all ordered pairs, the diagonal included
   */
  public static double meanAbsolutePairwiseDifference(double[] values, int n) {
    Arrays.sort(values, 0, n);
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += values[i] * (2.0 * i - (n - 1));
    }
    return 2 * sum / ((double) n * n);
  }

  /**
   * KL(pi || pi*) as a sum of non-negative terms pi*_y phi(delta_y), delta = log pi - log pi* and
   * phi(d) = d e^d - e^d + 1 (valid because pi and pi* both sum to 1). Near the optimum phi's
   * Taylor series keeps every term accurate where sum pi delta would cancel; elsewhere the term is
   * evaluated as pi (d - 1) + pi*, which stays finite when pi* underflows.
   */
  static double klToOptimum(double[] logPolicy, double[] rewards, double beta) {
    int n = rewards.length;
    double max = Double.NEGATIVE_INFINITY;
    for (double r : rewards) {
      max = Math.max(max, r / beta);
    }
    double sum = 0;
    for (double r : rewards) {
      sum += Math.exp(r / beta - max);
    }
    double logNorm = max + Math.log(sum);
    double kl = 0;
    for (int y = 0; y < n; y++) {
      double logOpt = rewards[y] / beta - logNorm;
      double d = logPolicy[y] - logOpt;
      kl +=
          Math.abs(d) < 1e-2
              ? Math.exp(logOpt) * phiSeries(d)
              : Math.exp(logPolicy[y]) * (d - 1) + Math.exp(logOpt);
    }
    return kl;
  }

  /** phi(d) = d e^d - (e^d - 1) = sum_{k >= 2} (k - 1) d^k / k! for |d| < 1e-2. */
  static double phiSeries(double d) {
    // Terms (k-1)/k! for k = 2..8; the next term is below 1e-17 relative.
    return d
        * d
        * (1.0 / 2
            + d
                * (1.0 / 3
                    + d
                        * (1.0 / 8
                            + d
                                * (1.0 / 30
                                    + d * (1.0 / 144 + d * (1.0 / 840 + d * (1.0 / 5760)))))));
  }
}
