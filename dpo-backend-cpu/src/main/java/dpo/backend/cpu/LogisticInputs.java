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

  /** Copies one prompt's parameters and rewards and derives u, a and e. */
  void prepare(double[] allTheta, double[] allRewards, int base, double beta) {
    System.arraycopy(allTheta, base, theta, 0, responses);
    System.arraycopy(allRewards, base, rewards, 0, responses);
    double maxTheta = Double.NEGATIVE_INFINITY;
    double minTheta = Double.POSITIVE_INFINITY;
    double maxReward = Double.NEGATIVE_INFINITY;
    double minReward = Double.POSITIVE_INFINITY;
    for (int y = 0; y < responses; y++) {
      maxTheta = Math.max(maxTheta, theta[y]);
      minTheta = Math.min(minTheta, theta[y]);
      maxReward = Math.max(maxReward, rewards[y]);
      minReward = Math.min(minReward, rewards[y]);
    }
    for (int y = 0; y < responses; y++) {
      u[y] = beta * (theta[y] - maxTheta);
      a[y] = Math.exp(u[y]);
      e[y] = Math.exp(rewards[y] - maxReward);
    }
    ratioSafe =
        beta * (maxTheta - minTheta) < PairWeights.SAFE_EXPONENT
            && maxReward - minReward < PairWeights.SAFE_EXPONENT;
    fusedSafe = beta * (maxTheta - minTheta) + (maxReward - minReward) < PairWeights.SAFE_EXPONENT;
  }
}
