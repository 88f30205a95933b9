package dpo.testkit;

import dpo.api.backend.StepSize;
import dpo.api.backend.TabularProblem;
import dpo.api.objective.LogisticForm;
import dpo.api.objective.Objective;
import dpo.api.sampler.PairComponent;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.Tilt;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The exact tabular DPO step of one prompt, computed straight from the definitions in {@code
 * dpo-api} ({@link Sampler}, {@link PairComponent}, {@link Tilt}, {@link
 * dpo.api.backend.TabularPolicy}): every pair weight in log space, every pair one at a time. It is
 * slow (O(K Y^2) per prompt for K components) and has no shortcuts, which is the point: the
 * contracts compare samplers and backends against it, independently of any backend's own
 * (separable, vectorised) evaluation.
 *
 * <p>Conventions, as in {@link dpo.api.backend.TabularPolicy}: pi_theta = softmax(theta), the
 * reference pi_ref is uniform, h(y, y') = theta_y - theta_y', soft labels p = sigma(r_y - r_y'),
 * the pair weights W are evaluated at the current theta and held constant within a step, and the
 * loss of a prompt is {@code sum W(y, y') * objective.loss(h, p)}.
 */
public final class TabularReference {
  private TabularReference() {}

  /**
   * A sampler's pair distribution on one prompt.
   *
   * <p>Holds W = C / Z as a Y x Y table and log Z, with C the (capped) unnormalised weights.
   */
  public static final class PairDistribution {
    private final double[][] weights;
    private final double logPartition;

    private PairDistribution(double[][] weights, double logPartition) {
      this.weights = weights;
      this.logPartition = logPartition;
    }

    /**
     * The number of responses Y.
     *
     * @return Y
     */
    public int responses() {
      return weights.length;
    }

    /**
     * W(y, y'), the probability of the ordered pair.
     *
     * @param first y
     * @param second y'
     * @return the probability
     */
    public double weight(int first, int second) {
      return weights[first][second];
    }

    /**
     * log Z, the logarithm of the sum of the unnormalised pair weights; the Newton step is Z / (2
     * beta^2 Y).
     *
     * @return log Z
     */
    public double logPartition() {
      return logPartition;
    }
  }

  /**
   * One exact step of one prompt.
   *
   * @param theta the parameters after the step
   * @param loss the sampler-weighted loss before the step
   * @param stepSize the step size applied
   */
  public record Step(double[] theta, double loss, double stepSize) {}

  /**
   * Evaluates a sampler's pair distribution on one prompt.
   *
   * @param sampler the sampler
   * @param theta the prompt's parameters (pi_theta = softmax(theta))
   * @param rewards the prompt's rewards, as many as parameters
   * @param beta the objective's KL coefficient (the implicit-reward tilt uses it)
   * @return W and log Z
   * @throws IllegalArgumentException if the sampler has no component, a cap that is not > 0, or no
   *     pair of positive weight
   */
  public static PairDistribution pairDistribution(
      Sampler sampler, double[] theta, double[] rewards, double beta) {
    int n = theta.length;
    if (n < 2 || rewards.length != n) {
      throw new IllegalArgumentException(
          "need Y >= 2 parameters and as many rewards, got " + n + " and " + rewards.length);
    }
    List<PairComponent> parts = sampler.components();
    if (parts == null || parts.isEmpty()) {
      throw new IllegalArgumentException("the sampler has no components");
    }
    double cap = sampler.weightCap(range(rewards));
    if (!(cap > 0)) {
      throw new IllegalArgumentException("the sampler's weight cap must be > 0, got " + cap);
    }
    double[] logPolicy = logSoftmax(theta);
    double logReference = -Math.log(n);
    double[][] logC = new double[n][n];
    for (double[] row : logC) {
      java.util.Arrays.fill(row, Double.NEGATIVE_INFINITY);
    }
    for (PairComponent c : parts) {
      if (c.weight() == 0) {
        continue;
      }
      double[] a = logTilt(c.first(), logPolicy, logReference, rewards, beta);
      double[] b = logTilt(c.second(), logPolicy, logReference, rewards, beta);
      if (c.scale() == PairComponent.Scale.NORMALISED) {
        subtract(a, logSumExp(a));
        subtract(b, logSumExp(b));
      }
      double logWeight = Math.log(c.weight());
      for (int y = 0; y < n; y++) {
        for (int y2 = 0; y2 < n; y2++) {
          logC[y][y2] = logAddExp(logC[y][y2], logWeight + a[y] + b[y2]);
        }
      }
    }
    double logCap = Math.log(cap);
    double logZ = Double.NEGATIVE_INFINITY;
    for (double[] row : logC) {
      for (int y2 = 0; y2 < n; y2++) {
        row[y2] = Math.min(row[y2], logCap);
        logZ = logAddExp(logZ, row[y2]);
      }
    }
    if (!(logZ > Double.NEGATIVE_INFINITY) || Double.isNaN(logZ)) {
      throw new IllegalArgumentException(
          "the sampler gives no pair a positive weight, log Z = " + logZ);
    }
    double[][] w = new double[n][n];
    for (int y = 0; y < n; y++) {
      for (int y2 = 0; y2 < n; y2++) {
        w[y][y2] = Math.exp(logC[y][y2] - logZ);
      }
    }
    return new PairDistribution(w, logZ);
  }

  /**
   * The sampler-weighted loss of one prompt at {@code theta}, with the weights given (frozen).
   *
   * @param weights the pair distribution, typically evaluated at another theta
   * @param theta the parameters
   * @param rewards the rewards
   * @param objective the per-pair loss
   * @return sum over pairs of W * loss(h, sigma(r_y - r_y'))
   */
  public static double loss(
      PairDistribution weights, double[] theta, double[] rewards, Objective objective) {
    int n = theta.length;
    double loss = 0;
    for (int y = 0; y < n; y++) {
      for (int y2 = 0; y2 < n; y2++) {
        double w = weights.weight(y, y2);
        // A zero weight times a possibly infinite loss must count as nothing.
        if (w != 0) {
          loss += w * objective.loss(theta[y] - theta[y2], label(rewards, y, y2));
        }
      }
    }
    return loss;
  }

  /**
   * The gradient in theta of {@link #loss} with the weights held constant.
   *
   * @param weights the pair distribution
   * @param theta the parameters
   * @param rewards the rewards
   * @param objective the per-pair loss
   * @return d loss / d theta
   */
  public static double[] gradient(
      PairDistribution weights, double[] theta, double[] rewards, Objective objective) {
    int n = theta.length;
    double[] grad = new double[n];
    for (int y = 0; y < n; y++) {
      for (int y2 = 0; y2 < n; y2++) {
        double w = weights.weight(y, y2);
        if (w != 0) {
          double d = w * objective.derivative(theta[y] - theta[y2], label(rewards, y, y2));
          grad[y] += d;
          grad[y2] -= d;
        }
      }
    }
    return grad;
  }

  /**
   * One exact step of one prompt: W at theta, then theta - eta * gradient.
   *
   * @param sampler the sampler
   * @param objective the per-pair loss
   * @param stepSize a fixed rate, or the Newton step eta = Z / (2 beta^2 Y)
   * @param theta the parameters before the step
   * @param rewards the rewards
   * @return the new parameters, the loss before the step and the step size
   */
  public static Step exactStep(
      Sampler sampler, Objective objective, StepSize stepSize, double[] theta, double[] rewards) {
    PairDistribution w = pairDistribution(sampler, theta, rewards, objective.beta());
    double eta =
        stepSize instanceof StepSize.Fixed f
            ? f.learningRate()
            : Math.exp(
                w.logPartition()
                    - Math.log(2 * objective.beta() * objective.beta() * theta.length));
    double[] grad = gradient(w, theta, rewards, objective);
    double[] next = new double[theta.length];
    for (int y = 0; y < theta.length; y++) {
      next[y] = theta[y] - eta * grad[y];
    }
    return new Step(next, loss(w, theta, rewards, objective), eta);
  }

  /**
   * A bandit with rewards drawn from N(0, 1).
   *
   * @param prompts X
   * @param responses Y
   * @param seed the seed
   * @return the problem
   */
  public static TabularProblem randomProblem(int prompts, int responses, long seed) {
    return new TabularProblem(gaussian(prompts, responses, 1, new SplittableRandom(seed)));
  }

  /**
   * Parameters drawn from N(0, scale^2), one row per prompt.
   *
   * @param prompts X
   * @param responses Y
   * @param scale the standard deviation
   * @param random the source
   * @return X rows of Y values
   */
  public static double[][] randomParameters(
      int prompts, int responses, double scale, SplittableRandom random) {
    return gaussian(prompts, responses, scale, random);
  }

  /**
   * log softmax(theta).
   *
   * @param theta the logits
   * @return log pi_theta
   */
  public static double[] logSoftmax(double[] theta) {
    double[] out = theta.clone();
    subtract(out, logSumExp(theta));
    return out;
  }

  private static double[][] gaussian(int rows, int cols, double scale, SplittableRandom random) {
    double[][] v = new double[rows][cols];
    for (double[] row : v) {
      for (int j = 0; j < cols; j++) {
        row[j] = scale * random.nextGaussian();
      }
    }
    return v;
  }

  private static double label(double[] rewards, int y, int y2) {
    return LogisticForm.sigmoid(rewards[y] - rewards[y2]);
  }

  private static double[] logTilt(
      Tilt tilt, double[] logPolicy, double logReference, double[] rewards, double beta) {
    double[] out = new double[logPolicy.length];
    for (int y = 0; y < out.length; y++) {
      out[y] = tilt.logWeight(logPolicy[y], logReference, rewards[y], beta);
    }
    return out;
  }

  private static double range(double[] values) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double v : values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return max - min;
  }

  private static double logSumExp(double[] v) {
    double max = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      max = Math.max(max, x);
    }
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    double sum = 0;
    for (double x : v) {
      sum += Math.exp(x - max);
    }
    return max + Math.log(sum);
  }

  private static double logAddExp(double a, double b) {
    if (a == Double.NEGATIVE_INFINITY) {
      return b;
    }
    if (b == Double.NEGATIVE_INFINITY) {
      return a;
    }
    double max = Math.max(a, b);
    return max + Math.log1p(Math.exp(-Math.abs(a - b)));
  }

  private static void subtract(double[] v, double c) {
    for (int i = 0; i < v.length; i++) {
      v[i] -= c;
    }
  }
}
