package dpo.backend.cpu;

import dpo.api.objective.LogisticForm;
import java.util.Arrays;

/**
 * Sums of the sampler-weighted logistic loss of one prompt, over all ordered pairs. Both the scalar
 * and the SIMD kernel visit each unordered pair {y, y'} once: the loss is unchanged when a pair is
 * presented the other way round with the label flipped, so the two ordered pairs share one loss
 * term with weight w(y, y') + w(y', y); this halves the logarithms.
 *
 * <p>Results: {@code grad[y]} receives d/dtheta_y of sum w * loss (before division by the weight
 * sum), {@code out[0]} the weight sum S and {@code out[1]} the sum of w * loss.
 */
abstract class ExactKernel {
  static final double LOG_2 = Math.log(2);

  /** "scalar" or "simd". */
  abstract String name();

  /**
   * The ratio-form terms of row y for every y' > y: adds the row's gradient sum, weight sum and
   * loss sum to {@code acc[0..2]} and subtracts each pair's gradient from grad[y'].
   */
  abstract void ratioRow(
      LogisticInputs in, PairWeights w, int y, double smoothing, double[] grad, double[] acc);

  /** The separable, ratio-form sums, row by row; callers guarantee both forms are safe. */
  final void ratioSums(
      LogisticInputs in,
      PairWeights w,
      double beta,
      double smoothing,
      double[] grad,
      double[] out) {
    int n = in.responses;
    double[] acc = in.acc;
    acc[1] = 0;
    acc[2] = 0;
    double weightSum = 0;
    double loss = 0;
    Arrays.fill(grad, 0, n, 0);
    for (int y = 0; y < n; y++) {
      double diagonal = diagonal(w, y);
      weightSum += diagonal;
      loss += diagonal * LOG_2;
      acc[0] = 0;
      ratioRow(in, w, y, smoothing, grad, acc);
      grad[y] += acc[0];
    }
    for (int y = 0; y < n; y++) {
      grad[y] *= beta;
    }
    out[0] = weightSum + acc[1];
    out[1] = loss + acc[2];
  }

  /**
   * Accumulates one prompt, choosing the ratio form when it is exact and the stable pair-by-pair
   * form otherwise.
   */
  final void sums(
      LogisticInputs in,
      PairWeights w,
      double beta,
      double smoothing,
      double[] grad,
      double[] out) {
    if (in.ratioSafe && w.separable()) {
      ratioSums(in, w, beta, smoothing, grad, out);
    } else {
      stableSums(in, w, beta, smoothing, grad, out);
    }
  }

  /**
   * The ratio-form terms of row y for y' in [from, n), in plain Java (the scalar kernel's row and
   * the SIMD kernel's tail). Adds the row's gradient sum, weight sum and loss sum to {@code
   * acc[0..2]} and subtracts each pair's gradient from grad[y'].
   */
  static void scalarRow(
      LogisticInputs in,
      PairWeights w,
      int y,
      int from,
      double smoothing,
      double[] grad,
      double[] acc) {
    int n = in.responses;
    int variables = w.variableCount();
    double constant = w.constant();
    double cap = w.relativeCap();
    boolean symmetric = w.symmetric();
    double[] a = in.a;
    double[] e = in.e;
    double[] u = in.u;
    double ay = a[y];
    double ey = e[y];
    double uy = u[y];
    double slope = 1 - 2 * smoothing;
    double row = 0;
    double weightSum = 0;
    double loss = 0;
    for (int y2 = from; y2 < n; y2++) {
      double forward = constant;
      for (int i = 0; i < variables; i++) {
        int k = w.variable(i);
        forward += w.rowCoef(k)[y] * w.colCoef(k)[y2];
      }
      double weight;
      if (symmetric) {
        weight = 2 * Math.min(forward, cap);
      } else {
        double backward = constant;
        for (int i = 0; i < variables; i++) {
          int k = w.variable(i);
          backward += w.rowCoef(k)[y2] * w.colCoef(k)[y];
        }
        weight = Math.min(forward, cap) + Math.min(backward, cap);
      }
      double sum = ay + a[y2];
      double q = smoothing + slope * (ey / (ey + e[y2]));
      double g = weight * (ay / sum - q);
      row += g;
      grad[y2] -= g;
      weightSum += weight;
      loss += weight * (Math.log(sum) - q * uy - (1 - q) * u[y2]);
    }
    acc[0] += row;
    acc[1] += weightSum;
    acc[2] += loss;
  }

  /** The capped weight w(y, y) of the diagonal pair, whose loss is log 2 and gradient zero. */
  private static double diagonal(PairWeights w, int y) {
    double c = w.constant();
    for (int i = 0; i < w.variableCount(); i++) {
      int k = w.variable(i);
      c += w.rowCoef(k)[y] * w.colCoef(k)[y];
    }
    return Math.min(c, w.relativeCap());
  }

  /** Pair by pair with overflow-free sigmoids and softplus, for extreme spreads. */
  static void stableSums(
      LogisticInputs in,
      PairWeights w,
      double beta,
      double smoothing,
      double[] grad,
      double[] out) {
    int n = in.responses;
    double weightSum = 0;
    double loss = 0;
    Arrays.fill(grad, 0, n, 0);
    for (int y = 0; y < n; y++) {
      double diagonal = w.relativeWeight(y, y);
      weightSum += diagonal;
      loss += diagonal * LOG_2;
      double row = 0;
      for (int y2 = y + 1; y2 < n; y2++) {
        double weight = w.relativeWeight(y, y2) + w.relativeWeight(y2, y);
        double x = beta * (in.theta[y] - in.theta[y2]);
        double q =
            smoothing + (1 - 2 * smoothing) * LogisticForm.sigmoid(in.rewards[y] - in.rewards[y2]);
        double g = weight * (LogisticForm.sigmoid(x) - q);
        row += g;
        grad[y2] -= g;
        weightSum += weight;
        loss += weight * (LogisticForm.softplus(x) - q * x);
      }
      grad[y] += row;
    }
    for (int y = 0; y < n; y++) {
      grad[y] *= beta;
    }
    out[0] = weightSum;
    out[1] = loss;
  }
}
