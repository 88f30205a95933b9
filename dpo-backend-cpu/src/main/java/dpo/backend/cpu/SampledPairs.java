package dpo.backend.cpu;

import dpo.api.objective.LogisticForm;
import dpo.api.objective.Objective;

/**
 * The pair loop of the sampled step for one prompt: draws {@code pairs} ordered pairs from the
 * sampler's weights, labels each with a Bernoulli(sigma(r_y - r_y')) draw and accumulates the
 * hard-label gradient and loss. One instance per thread (it holds the flat alias tables).
 *
 * <p>The random stream lives in two local longs (a {@link SplitMix}'s seed and gamma), so that
 * the four draws of a pair are register arithmetic rather than loads and stores of a generator's
 * field; uncapped samplers draw straight from flat copies of their alias tables, one load per side.
 * Capped samplers draw through {@link PairWeights#sample}, with the stream handed over and back.
 * Either way the draws, their order and the order of every floating-point sum are those of drawing
 * pair by pair from a {@code SplittableRandom}, so results are the same bits.
 */
final class SampledPairs {
  private static final double LN_2 = Math.log(2);
  private final int responses;
  private long[] first = new long[0];
  private long[] second = new long[0];

  SampledPairs(int responses) {
    this.responses = responses;
  }

  /**
   * Runs the pairs of one prompt.
   *
   * @param w the prompt's pair weights, with {@link PairWeights#prepareSampling()} done
   * @param in the prompt's logistic inputs
   * @param objective the per-pair loss, used pair by pair unless {@code ratio}
   * @param ratio whether the objective is logistic and the ratio form exact ({@link
   *     LogisticInputs#ratioSafe})
   * @param smoothing the label smoothing of the logistic form (0 without one)
   * @param beta the objective's KL coefficient
   * @param pairs pairs to draw
   * @param random the prompt's stream; left where the draws leave it
   * @param grad receives the gradient summed over pairs (zeroed here)
   * @return the loss summed over pairs
   */
  double run(
      PairWeights w,
      LogisticInputs in,
      Objective objective,
      boolean ratio,
      double smoothing,
      double beta,
      int pairs,
      SplitMix random,
      double[] grad) {
    int n = responses;
    java.util.Arrays.fill(grad, 0, n, 0);
    boolean direct = !w.capped();
    int components = w.components();
    if (direct) {
      flatten(w, components);
    }
    long[] firstTables = first;
    long[] secondTables = second;
    double[] cdf = w.shareCdf();
    double[] a = in.a;
    double[] e = in.e;
    double[] u = in.u;
    if (direct && ratio) {
      return directRatio(cdf, components, in, smoothing, beta, pairs, random, grad);
    }
    long seed = random.seed;
    long gamma = random.gamma;
    double loss = 0;
    // Sum of log(a_y + a_y') kept as a product: mantissa in [1e-40, 2^k], binary exponent apart,
    // so the sampled loss costs no logarithm per pair.
    double product = 1;
    long exponent = 0;
    for (int i = 0; i < pairs; i++) {
      int y;
      int y2;
      if (direct) {
        int k = 0;
        if (components > 1) {
          k = PairWeights.component(cdf, components, SplitMix.toDouble(SplitMix.mix64(seed += gamma)));
        }
        y = AliasTable.pick(firstTables, k * n, n, SplitMix.mix64(seed += gamma));
        y2 = AliasTable.pick(secondTables, k * n, n, SplitMix.mix64(seed += gamma));
      } else {
        random.seed = seed;
        w.sample(random);
        seed = random.seed;
        y = w.first();
        y2 = w.second();
      }
      double uniform = SplitMix.toDouble(SplitMix.mix64(seed += gamma));
      double d;
      if (ratio) {
        // Label, sigmoid and loss as ratios of per-response exponentials: no exp per pair.
        // The Bernoulli label as the sign bit of u (e_y + e_y') - e_y: no branch to mispredict.
        double label = Double.doubleToRawLongBits(uniform * (e[y] + e[y2]) - e[y]) >>> 63;
        double q = smoothing + (1 - 2 * smoothing) * label;
        double sum = a[y] + a[y2];
        if (product < 1e-40 || product > 1e40) {
          int p = Math.getExponent(product);
          product = Math.scalb(product, -p);
          exponent += p;
        }
        product *= sum;
        loss -= q * u[y] + (1 - q) * u[y2];
        d = beta * (a[y] / sum - q);
      } else {
        double label = uniform < LogisticForm.sigmoid(in.rewards[y] - in.rewards[y2]) ? 1 : 0;
        double h = in.theta[y] - in.theta[y2];
        loss += objective.loss(h, label);
        d = objective.derivative(h, label);
      }
      grad[y] += d;
      grad[y2] -= d;
    }
    random.seed = seed;
    return loss + (Math.log(product) + exponent * LN_2);
  }

  private double directRatio(
      double[] cdf,
      int components,
      LogisticInputs in,
      double smoothing,
      double beta,
      int pairs,
      SplitMix random,
      double[] grad) {
    int n = responses;
    long[] firstTables = first;
    long[] secondTables = second;
    double[] a = in.a;
    double[] e = in.e;
    double[] u = in.u;
    long seed = random.seed;
    long gamma = random.gamma;
    double loss = 0;
    double product = 1;
    long exponent = 0;
    for (int i = 0; i < pairs; i++) {
      int k = 0;
      if (components > 1) {
        double pick = SplitMix.toDouble(SplitMix.mix64(seed += gamma));
        k = PairWeights.component(cdf, components, pick);
      }
      int y = AliasTable.pick(firstTables, k * n, n, SplitMix.mix64(seed += gamma));
      int y2 = AliasTable.pick(secondTables, k * n, n, SplitMix.mix64(seed += gamma));
      double uniform = SplitMix.toDouble(SplitMix.mix64(seed += gamma));
      double label = Double.doubleToRawLongBits(uniform * (e[y] + e[y2]) - e[y]) >>> 63;
      double q = smoothing + (1 - 2 * smoothing) * label;
      double sum = a[y] + a[y2];
      if (product < 1e-40 || product > 1e40) {
        int p = Math.getExponent(product);
        product = Math.scalb(product, -p);
        exponent += p;
      }
      product *= sum;
      loss -= q * u[y] + (1 - q) * u[y2];
      double d = beta * (a[y] / sum - q);
      grad[y] += d;
      grad[y2] -= d;
    }
    random.seed = seed;
    return loss + (Math.log(product) + exponent * LN_2);
  }

  /** Copies each component's packed alias tables side by side: component k at k * n. */
  private void flatten(PairWeights w, int components) {
    int n = responses;
    if (first.length < components * n) {
      first = new long[components * n];
      second = new long[components * n];
    }
    for (int k = 0; k < components; k++) {
      System.arraycopy(w.firstTable(k).packed(), 0, first, k * n, n);
      System.arraycopy(w.secondTable(k).packed(), 0, second, k * n, n);
    }
  }
}
