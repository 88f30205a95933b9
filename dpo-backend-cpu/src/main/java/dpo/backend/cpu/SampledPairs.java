package dpo.backend.cpu;

import dpo.api.objective.LogisticForm;
import dpo.api.objective.Objective;
import java.util.Arrays;

/**
 * The pair loop of the sampled step for one prompt: draws {@code pairs} ordered pairs from the
 * sampler's weights, labels each with a Bernoulli(sigma(r_y - r_y')) draw and accumulates the
 * hard-label gradient and loss. One instance per thread (it holds the flat alias tables).
 *
 * <p>The random stream lives in two local longs (a {@link SplitMix}'s seed and gamma), so that the
 * four draws of a pair are register arithmetic rather than loads and stores of a generator's field;
 * uncapped samplers draw straight from flat copies of their alias tables, one load per side. The
 * kernel runs those ({@link ExactKernel#sampledPairs}: the SIMD kernel a vector of pairs at a
 * time). Capped samplers draw through {@link PairWeights#sample}, with the stream handed over and
 * back, and objectives without a logistic form are called pair by pair. Either way the draws, their
 * order and the order of every floating-point sum are those of drawing pair by pair from a {@code
 * SplittableRandom}, so results are the same bits.
 */
final class SampledPairs {
  private static final double LN_2 = Math.log(2);

  /** Pairs per block of {@link #addBlock}: a multiple of every vector length. */
  static final int BLOCK = 256;

  final int responses;

  /** Each component's packed alias tables side by side, component k at k * responses. */
  long[] first = new long[0];

  long[] second = new long[0];

  /** The prompt's pair weights, its stream, and whether pairs come from the flat tables. */
  PairWeights weights;

  SplitMix stream;
  boolean direct;

  /** The sampler's cumulative component shares and its number of components. */
  double[] cdf;

  int components;

  /**
   * The state of the pair loop: the stream, the loss sum and, apart, the sum of log(a_y + a_y')
   * kept as a product (mantissa in [1e-40, 2^k], binary exponent apart), so that the sampled loss
   * costs no logarithm per pair.
   */
  long seed;

  long gamma;
  double loss;
  double product;
  long exponent;

  /** The gradient being accumulated. */
  double[] grad;

  /** A block's pairs computed ahead, for {@link #addBlock}. */
  final int[] ys = new int[BLOCK];

  final int[] y2s = new int[BLOCK];
  final double[] sums = new double[BLOCK];
  final double[] terms = new double[BLOCK];
  final double[] steps = new double[BLOCK];

  /**
   * Scratch of the SIMD kernel, one entry per pair of a block: the four mixed draws of each pair,
   * the uniform double of one of them, its component, its two table indices (then entries, then
   * responses), and the e, a and u of its two responses.
   */
  final long[][] draws = new long[4][BLOCK];

  final double[] uniform = new double[BLOCK];

  final long[] component = new long[BLOCK];
  final long[] firstPick = new long[BLOCK];
  final long[] secondPick = new long[BLOCK];
  final double[] values = new double[6 * BLOCK];

  SampledPairs(int responses) {
    this.responses = responses;
  }

  /**
   * Runs the pairs of one prompt.
   *
   * @param kernel the kernel that runs the direct draws of uncapped samplers in the ratio form
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
      ExactKernel kernel,
      PairWeights w,
      LogisticInputs in,
      Objective objective,
      boolean ratio,
      double smoothing,
      double beta,
      int pairs,
      SplitMix random,
      double[] grad) {
    Arrays.fill(grad, 0, responses, 0);
    weights = w;
    stream = random;
    direct = !w.capped();
    components = w.components();
    cdf = w.shareCdf();
    if (direct) {
      flatten(w, components);
    }
    this.grad = grad;
    seed = random.seed;
    gamma = random.gamma;
    loss = 0;
    product = 1;
    exponent = 0;
    if (!ratio) {
      objectivePairs(in, objective, pairs);
    } else if (direct) {
      kernel.sampledPairs(this, in, smoothing, beta, pairs);
    } else {
      scalarPairs(in, smoothing, beta, 0, pairs);
    }
    random.seed = seed;
    return loss + (Math.log(product) + exponent * LN_2);
  }

  /** Pairs through the objective's interface, with Bernoulli labels from sigmoid(r_y - r_y'). */
  private void objectivePairs(LogisticInputs in, Objective objective, int pairs) {
    SplitMix random = stream;
    random.seed = seed;
    for (int i = 0; i < pairs; i++) {
      weights.sample(random);
      int y = weights.first();
      int y2 = weights.second();
      double label =
          random.nextDouble() < LogisticForm.sigmoid(in.rewards[y] - in.rewards[y2]) ? 1 : 0;
      double h = in.theta[y] - in.theta[y2];
      loss += objective.loss(h, label);
      double d = objective.derivative(h, label);
      grad[y] += d;
      grad[y2] -= d;
    }
    seed = random.seed;
  }

  /**
   * Pairs [from, to) in the ratio form, one at a time in plain Java, carrying the stream, loss,
   * product and gradient sums in this object's fields: the scalar kernel's loop, the SIMD kernel's
   * tail, and the loop of capped samplers (drawn by {@link PairWeights#sample}, the stream handed
   * over and back).
   */
  void scalarPairs(LogisticInputs in, double smoothing, double beta, int from, int to) {
    int n = responses;
    long[] firstTables = first;
    long[] secondTables = second;
    double[] cdf = this.cdf;
    int components = this.components;
    double[] a = in.a;
    double[] e = in.e;
    double[] u = in.u;
    double[] grad = this.grad;
    boolean direct = this.direct;
    long seed = this.seed;
    long gamma = this.gamma;
    double loss = this.loss;
    double product = this.product;
    long exponent = this.exponent;
    for (int i = from; i < to; i++) {
      int y;
      int y2;
      if (direct) {
        int k = 0;
        if (components > 1) {
          double pick = SplitMix.toDouble(SplitMix.mix64(seed += gamma));
          k = PairWeights.component(cdf, components, pick);
        }
        y = AliasTable.pick(firstTables, k * n, n, SplitMix.mix64(seed += gamma));
        y2 = AliasTable.pick(secondTables, k * n, n, SplitMix.mix64(seed += gamma));
      } else {
        stream.seed = seed;
        weights.sample(stream);
        seed = stream.seed;
        y = weights.first();
        y2 = weights.second();
      }
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
    this.seed = seed;
    this.loss = loss;
    this.product = product;
    this.exponent = exponent;
  }

  /**
   * Adds a block of pairs whose responses, a_y + a_y', loss terms q u_y + (1 - q) u_y' and
   * gradients were computed ahead (by the SIMD kernel) in {@link #ys}, {@link #y2s}, {@link #sums},
   * {@link #terms} and {@link #steps}: in pair order, as {@link #scalarPairs} adds them.
   */
  void addBlock(int count) {
    double[] grad = this.grad;
    double loss = this.loss;
    double product = this.product;
    long exponent = this.exponent;
    for (int j = 0; j < count; j++) {
      if (product < 1e-40 || product > 1e40) {
        int p = Math.getExponent(product);
        product = Math.scalb(product, -p);
        exponent += p;
      }
      product *= sums[j];
      loss -= terms[j];
      double d = steps[j];
      grad[ys[j]] += d;
      grad[y2s[j]] -= d;
    }
    this.loss = loss;
    this.product = product;
    this.exponent = exponent;
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
