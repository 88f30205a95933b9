package dpo.backend.cpu;

/**
 * Per-response quantities that turn the logistic loss of a pair into ratios, so that kernels need
 * no exponential per pair: with u = beta (theta - max theta), a = e^u and e = e^(r - max r),
 *
 * <pre>
 *   sigma(beta h(y, y')) = a_y / (a_y + a_y')          sigma(r_y - r_y') = e_y / (e_y + e_y')
 *   loss = log(a_y + a_y') - q u_y - (1 - q) u_y'      (q the smoothed label)
 * </pre>
 *
 * The ratios are exact while the spreads of beta * theta and r stay below {@link
 * PairWeights#SAFE_EXPONENT} (no underflow to 0/0); beyond that {@link #ratioSafe} is false and
 * kernels evaluate pairs one by one in a stable form.
 *
 * <p>The gradient-only kernels go one step further and put both ratios over one denominator,
 *
 * <pre>
 *   a_y / A - q = (a_y E - A (s E + (1 - 2s) e_y)) / (A E)      A = a_y + a_y', E = e_y + e_y'
 * </pre>
 *
 * (s the label smoothing), one division per pair. A E is at least e^-(spread of beta theta + spread
 * of r), so this needs the two spreads together below {@link PairWeights#SAFE_EXPONENT} ({@link
 * #fusedSafe}). One instance per thread.
 */
final class LogisticInputs {
  final double[] theta;
  final double[] rewards;
  final double[] u;
  final double[] a;
  final double[] e;
  final int responses;

  /** Scratch for kernels: row gradient, weight and loss sums. */
  final double[] acc = new double[3];

  /** Scratch for kernels: the pair weights w(y, y') + w(y', y) of one row. */
  final double[] weight;

  /** Scratch for kernels: the backward weights w(y', y) of one row, for asymmetric samplers. */
  final double[] backward;

  /** Zeros: the factors of a missing sampler component. */
  final double[] zeros;

  boolean ratioSafe;

  boolean fusedSafe;

  LogisticInputs(int responses) {
    this.responses = responses;
    this.theta = new double[responses];
    this.rewards = new double[responses];
    this.u = new double[responses];
    this.a = new double[responses];
    this.e = new double[responses];
    this.weight = new double[responses];
    this.backward = new double[responses];
    this.zeros = new double[responses];
  }

  /**
   * e = exp(r - max r) of every prompt (flat, as the rewards) and each prompt's reward spread max r
   * - min r into {@code spread}: constant across steps, so a policy computes them once.
   */
  static double[] rewardExponentials(double[] allRewards, int responses, double[] spread) {
    double[] out = new double[allRewards.length];
    for (int x = 0; x < spread.length; x++) {
      spread[x] = rewardExponentials(allRewards, x * responses, responses, out);
    }
    return out;
  }

  /** e of the prompt at {@code base} into {@code out} at the same index; returns its spread. */
  private static double rewardExponentials(
      double[] allRewards, int base, int responses, double[] out) {
    double maxReward = Double.NEGATIVE_INFINITY;
    double minReward = Double.POSITIVE_INFINITY;
    for (int y = 0; y < responses; y++) {
      maxReward = Math.max(maxReward, allRewards[base + y]);
      minReward = Math.min(minReward, allRewards[base + y]);
    }
    for (int y = 0; y < responses; y++) {
      out[base + y] = Math.exp(allRewards[base + y] - maxReward);
    }
    return maxReward - minReward;
  }

  /** As {@link #prepare(double[], double[], double[], double, int, double)}, deriving e here. */
  void prepare(double[] allTheta, double[] allRewards, int base, double beta) {
    double[] allE = new double[allRewards.length];
    double spread = rewardExponentials(allRewards, base, responses, allE);
    prepare(allTheta, allRewards, allE, spread, base, beta);
  }

  /**
   * Copies one prompt's parameters, rewards and reward exponentials and derives u and a.
   *
   * @param allE the prompts' e, from {@link #rewardExponentials(double[], int, double[])}
   * @param rewardSpread the prompt's max r - min r
   */
  void prepare(
      double[] allTheta,
      double[] allRewards,
      double[] allE,
      double rewardSpread,
      int base,
      double beta) {
    System.arraycopy(allTheta, base, theta, 0, responses);
    System.arraycopy(allRewards, base, rewards, 0, responses);
    System.arraycopy(allE, base, e, 0, responses);
    double maxTheta = Double.NEGATIVE_INFINITY;
    double minTheta = Double.POSITIVE_INFINITY;
    for (int y = 0; y < responses; y++) {
      maxTheta = Math.max(maxTheta, theta[y]);
      minTheta = Math.min(minTheta, theta[y]);
    }
    for (int y = 0; y < responses; y++) {
      u[y] = beta * (theta[y] - maxTheta);
      a[y] = Math.exp(u[y]);
    }
    ratioSafe =
        beta * (maxTheta - minTheta) < PairWeights.SAFE_EXPONENT
            && rewardSpread < PairWeights.SAFE_EXPONENT;
    fusedSafe = beta * (maxTheta - minTheta) + rewardSpread < PairWeights.SAFE_EXPONENT;
  }
}
