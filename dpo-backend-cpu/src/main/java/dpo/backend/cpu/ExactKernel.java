package dpo.backend.cpu;

import dpo.api.objective.LogisticForm;
import java.util.Arrays;

/**
 * Sums of the sampler-weighted logistic loss of one prompt, over all ordered pairs. Both the scalar
 * and the SIMD kernel visit each unordered pair {y, y'} once: the loss is unchanged when a pair is
 * presented the other way round with the label flipped, so the two ordered pairs share one loss
 * term with weight w(y, y') + w(y', y); this halves the logarithms.
 *
 * <p>Each row runs in passes over y' > y: first the pair weights (K multiply-adds per pair from the
 * sampler's per-response factors, {@link PairWeights}), then the logistic terms reading them. Short
 * loop bodies keep the SIMD kernel's vectorised logarithm inlined and let each pass run at the
 * speed of its one bottleneck.
 *
 * <p>Results: {@code grad[y]} receives d/dtheta_y of sum w * loss (before division by the weight
 * sum), {@code out[0]} the weight sum S and {@code out[1]} the sum of w * loss, or NaN when the
 * loss is not needed: then the gradient-only pass puts each pair over one division ({@link
 * LogisticInputs}) and takes no logarithm.
 */
abstract class ExactKernel {
  static final double LOG_2 = Math.log(2);

  /** "scalar" or "simd". */
  abstract String name();

  /**
   * The sampled step's pairs of one prompt for an uncapped sampler in the ratio form (the state in
   * {@code pairs}, see {@link SampledPairs}): the same draws and the same sums, bit for bit, in
   * every kernel. Here one pair at a time; the SIMD kernel draws and evaluates a block of pairs in
   * lanes and adds them in order.
   */
  void sampledPairs(
      SampledPairs pairs, LogisticInputs in, double smoothing, double beta, int count) {
    pairs.scalarPairs(in, smoothing, beta, 0, count);
  }

  /**
   * The ratio-form terms of row y for every y' > y, with the row's weights already in {@code
   * in.weight}: adds the row's gradient sum, weight sum and loss sum to {@code acc[0..2]} and
   * subtracts each pair's gradient from grad[y'].
   */
  abstract void ratioRow(LogisticInputs in, int y, double smoothing, double[] grad, double[] acc);

  /**
   * The gradient-only terms of row y for every y' > y, one division per pair, with the row's
   * weights already in {@code in.weight}: adds the row's gradient sum and weight sum to {@code
   * acc[0..1]} and subtracts each pair's gradient from grad[y'].
   */
  abstract void gradientRow(
      LogisticInputs in, int y, double smoothing, double[] grad, double[] acc);

  /**
   * The gradient-only terms of row y for every y' > y for a symmetric sampler with at most two
   * response-dependent components (dpo-mix-p, dpo-mix-r, on-policy, dpo-unif and their capped
   * forms): the weight 2 min(c + r_1(y) c_1(y') + r_2(y) c_2(y'), cap) in registers, no weight
   * pass. Adds the row's gradient sum and weight sum to {@code acc[0..1]}.
   */
  abstract void pairedRow(
      LogisticInputs in, PairFactors f, int y, double smoothing, double[] grad, double[] acc);

  /**
   * The factors of a symmetric sampler with at most two response-dependent components: w(y, y') +
   * w(y', y) = min(constant + 2 r1[y] c1[y'] + 2 r2[y] c2[y'], cap), with constant and cap already
   * doubled (exact: a power of two) and a missing component's factors zero.
   */
  record PairFactors(
      double constant, double cap, double[] r1, double[] c1, double[] r2, double[] c2) {

    /** The factors of {@code w}, or null when its structure has no paired fast path. */
    static PairFactors of(PairWeights w, double[] zeros) {
      if (!w.symmetric() || w.variableCount() > 2) {
        return null;
      }
      double[][] r = {zeros, zeros};
      double[][] c = {zeros, zeros};
      for (int i = 0; i < w.variableCount(); i++) {
        r[i] = w.rowCoef(w.variable(i));
        c[i] = w.colCoef(w.variable(i));
      }
      return new PairFactors(2 * w.constant(), 2 * w.relativeCap(), r[0], c[0], r[1], c[1]);
    }
  }

  /**
   * Writes w(y, y') + w(y', y), the capped relative weights of both orders, into {@code
   * in.weight[y']} for every y' > y. The scalar kernel's pass; the SIMD kernel overrides it.
   */
  void weightRow(LogisticInputs in, PairWeights w, int y) {
    scalarWeights(in, w, y, y + 1);
  }

  /** The separable, ratio-form sums, row by row; callers guarantee both forms are safe. */
  final void ratioSums(
      LogisticInputs in,
      PairWeights w,
      double beta,
      double smoothing,
      double[] grad,
      double[] out) {
    separableSums(in, w, beta, smoothing, true, grad, out);
  }

  /** The separable sums without the loss, one division per pair; {@code out[1]} is NaN. */
  final void gradientSums(
      LogisticInputs in,
      PairWeights w,
      double beta,
      double smoothing,
      double[] grad,
      double[] out) {
    separableSums(in, w, beta, smoothing, false, grad, out);
  }

  /**
   * Row by row over the separable weights: with the loss, the weight pass and the ratio form;
   * without it, the paired row where the sampler's structure allows, else the weight pass and the
   * one-division form.
   */
  private void separableSums(
      LogisticInputs in,
      PairWeights w,
      double beta,
      double smoothing,
      boolean lossNeeded,
      double[] grad,
      double[] out) {
    int n = in.responses;
    double[] acc = in.acc;
    acc[1] = 0;
    acc[2] = 0;
    double weightSum = 0;
    double loss = 0;
    Arrays.fill(grad, 0, n, 0);
    PairFactors paired = lossNeeded ? null : PairFactors.of(w, in.zeros);
    for (int y = 0; y < n; y++) {
      double diagonal = diagonal(w, y);
      weightSum += diagonal;
      loss += diagonal * LOG_2;
      acc[0] = 0;
      if (paired != null) {
        pairedRow(in, paired, y, smoothing, grad, acc);
      } else {
        weightRow(in, w, y);
        if (lossNeeded) {
          ratioRow(in, y, smoothing, grad, acc);
        } else {
          gradientRow(in, y, smoothing, grad, acc);
        }
      }
      grad[y] += acc[0];
    }
    for (int y = 0; y < n; y++) {
      grad[y] *= beta;
    }
    out[0] = weightSum + acc[1];
    out[1] = lossNeeded ? loss + acc[2] : Double.NaN;
  }

  /**
   * Accumulates one prompt, choosing the ratio form when it is exact and the stable pair-by-pair
   * form otherwise; without the loss, the one-division form when it is exact.
   */
  final void sums(
      LogisticInputs in,
      PairWeights w,
      double beta,
      double smoothing,
      boolean lossNeeded,
      double[] grad,
      double[] out) {
    if (!lossNeeded && in.fusedSafe && w.separable()) {
      gradientSums(in, w, beta, smoothing, grad, out);
    } else if (in.ratioSafe && w.separable()) {
      ratioSums(in, w, beta, smoothing, grad, out);
    } else {
      stableSums(in, w, beta, smoothing, grad, out);
    }
  }

  /**
   * The capped weights w(y, y') + w(y', y) for y' in [from, n) into {@code in.weight}, in plain
   * Java (the scalar kernel's pass and the SIMD kernel's tail): per component, one multiply-add of
   * the row's factor and the column's.
   */
  static void scalarWeights(LogisticInputs in, PairWeights w, int y, int from) {
    int n = in.responses;
    int variables = w.variableCount();
    double constant = w.constant();
    double cap = w.relativeCap();
    double[] forward = in.weight;
    Arrays.fill(forward, from, n, constant);
    for (int i = 0; i < variables; i++) {
      int k = w.variable(i);
      double r = w.rowCoef(k)[y];
      double[] c = w.colCoef(k);
      for (int y2 = from; y2 < n; y2++) {
        forward[y2] += r * c[y2];
      }
    }
    if (w.symmetric()) {
      for (int y2 = from; y2 < n; y2++) {
        forward[y2] = 2 * Math.min(forward[y2], cap);
      }
      return;
    }
    double[] backward = in.backward;
    Arrays.fill(backward, from, n, constant);
    for (int i = 0; i < variables; i++) {
      int k = w.variable(i);
      double c = w.colCoef(k)[y];
      double[] r = w.rowCoef(k);
      for (int y2 = from; y2 < n; y2++) {
        backward[y2] += r[y2] * c;
      }
    }
    for (int y2 = from; y2 < n; y2++) {
      forward[y2] = Math.min(forward[y2], cap) + Math.min(backward[y2], cap);
    }
  }

  /**
   * The paired gradient-only terms of row y for y' in [from, n), in plain Java (the scalar kernel's
   * row and the SIMD kernel's tail).
   */
  static void scalarPairedRow(
      LogisticInputs in,
      PairFactors f,
      int y,
      int from,
      double smoothing,
      double[] grad,
      double[] acc) {
    int n = in.responses;
    double[] weight = in.weight;
    double r1 = 2 * f.r1()[y];
    double r2 = 2 * f.r2()[y];
    double[] c1 = f.c1();
    double[] c2 = f.c2();
    for (int y2 = from; y2 < n; y2++) {
      weight[y2] = Math.min(f.constant() + r1 * c1[y2] + r2 * c2[y2], f.cap());
    }
    scalarGradientRow(in, y, from, smoothing, grad, acc);
  }

  /**
   * The gradient-only terms of row y for y' in [from, n), in plain Java (the scalar kernel's row
   * and the SIMD kernel's tail), reading the weights from {@code in.weight}.
   */
  static void scalarGradientRow(
      LogisticInputs in, int y, int from, double smoothing, double[] grad, double[] acc) {
    int n = in.responses;
    double[] a = in.a;
    double[] e = in.e;
    double[] weight = in.weight;
    double ay = a[y];
    double ey = e[y];
    double labelY = (1 - 2 * smoothing) * ey;
    double row = 0;
    double weightSum = 0;
    for (int y2 = from; y2 < n; y2++) {
      double sumA = ay + a[y2];
      double sumE = ey + e[y2];
      double numerator = ay * sumE - sumA * (smoothing * sumE + labelY);
      double g = weight[y2] * numerator / (sumA * sumE);
      row += g;
      grad[y2] -= g;
      weightSum += weight[y2];
    }
    acc[0] += row;
    acc[1] += weightSum;
  }

  /**
   * The ratio-form terms of row y for y' in [from, n), in plain Java (the scalar kernel's row and
   * the SIMD kernel's tail), reading the weights from {@code in.weight}. Adds the row's gradient
   * sum, weight sum and loss sum to {@code acc[0..2]} and subtracts each pair's gradient from
   * grad[y'].
   */
  static void scalarRow(
      LogisticInputs in, int y, int from, double smoothing, double[] grad, double[] acc) {
    int n = in.responses;
    double[] a = in.a;
    double[] e = in.e;
    double[] u = in.u;
    double[] weights = in.weight;
    double ay = a[y];
    double ey = e[y];
    double uy = u[y];
    double slope = 1 - 2 * smoothing;
    double row = 0;
    double weightSum = 0;
    double loss = 0;
    for (int y2 = from; y2 < n; y2++) {
      double weight = weights[y2];
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
