package dpo.backend.gpu.tabular;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import dpo.api.TrainingDivergedException;
import dpo.api.backend.StepReport;
import dpo.api.backend.StepSize;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import dpo.api.objective.LogisticForm;
import dpo.api.objective.Objective;
import dpo.api.sampler.Sampler;
import dpo.backend.gpu.Scalars;
import dpo.backend.gpu.Tapes;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A tabular softmax policy whose parameters theta are one float64 DJL array of shape (X, Y). A step
 * evaluates the sampler's pair weights from the detached theta, builds the sampler-weighted loss on
 * a fresh copy of theta that records gradients, and takes the gradient from DJL autograd; the
 * semantics are those of {@link TabularPolicy} and match the CPU backend's.
 *
 * <p>The logistic objective is written in array operations, so its loss and gradient never leave
 * the device. Other objectives are only known through {@link Objective#loss} and {@link
 * Objective#derivative}: their per-pair derivatives dL/dh are evaluated on the host and autograd
 * carries them through h(theta) = theta_y - theta_y', which is exact for every objective.
 *
 * <p>Prompts are processed in blocks whose pair arrays hold at most {@link #BLOCK_ELEMENTS}
 * elements; every block's arrays live in a sub-manager that is closed before the next block, so
 * native memory stays bounded whatever X. A host copy of theta serves {@link #parameters} and
 * {@link #logProbabilities} without a device transfer per call. Not thread-safe, like every tabular
 * policy; DJL also allows one gradient collector per process at a time.
 */
public final class DjlTabularPolicy implements TabularPolicy {
  /** Elements of one block's largest array (B x Y x Y, or B x pairs): 16 MiB in float64. */
  static final long BLOCK_ELEMENTS = 1L << 21;

  private final TabularProblem problem;
  private final NDManager manager;
  private final long blockElements;
  private final NDArray theta;
  private final NDArray rewards;
  private final int prompts;
  private final int responses;
  private final double logReference;
  private final double[] hostTheta;
  private final double[] hostRewards;
  private final double[] rewardRange;
  private final double[] promptLoss;
  private final double[] promptStep;
  private int steps;
  private boolean closed;

  /**
   * Creates a policy at theta = 0, the uniform reference.
   *
   * @param problem the rewards
   * @param parent the backend's manager; the policy opens its own sub-manager on the same device
   * @throws IllegalStateException if the backend (its manager) is closed
   */
  public DjlTabularPolicy(TabularProblem problem, NDManager parent) {
    this(problem, parent, BLOCK_ELEMENTS);
  }

  /** As above with another block bound, so that tests can cross block boundaries cheaply. */
  DjlTabularPolicy(TabularProblem problem, NDManager parent, long blockElements) {
    if (!parent.isOpen()) {
      throw new IllegalStateException("the djl backend is closed; create a new backend");
    }
    this.blockElements = blockElements;
    this.problem = Objects.requireNonNull(problem, "problem");
    this.prompts = problem.prompts();
    this.responses = problem.responses();
    this.logReference = -Math.log(responses);
    this.hostTheta = new double[prompts * responses];
    this.hostRewards = new double[prompts * responses];
    this.rewardRange = new double[prompts];
    for (int x = 0; x < prompts; x++) {
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      for (int y = 0; y < responses; y++) {
        double r = problem.reward(x, y);
        hostRewards[x * responses + y] = r;
        min = Math.min(min, r);
        max = Math.max(max, r);
      }
      rewardRange[x] = max - min;
    }
    this.promptLoss = new double[prompts];
    this.promptStep = new double[prompts];
    this.manager = parent.newSubManager();
    Shape shape = new Shape(prompts, responses);
    this.theta = manager.zeros(shape, DataType.FLOAT64);
    this.rewards = manager.create(hostRewards, shape);
  }

  @Override
  public TabularProblem problem() {
    return problem;
  }

  @Override
  public void logProbabilities(int prompt, double[] out) {
    requireOpen();
    TabularPolicy.logSoftmax(hostTheta, base(prompt), responses, out);
  }

  @Override
  public void parameters(int prompt, double[] out) {
    requireOpen();
    System.arraycopy(hostTheta, base(prompt), out, 0, responses);
  }

  @Override
  public void setParameters(int prompt, double[] values) {
    requireOpen();
    int base = base(prompt);
    if (values.length != responses) {
      throw new IllegalArgumentException(
          "expected " + responses + " parameters for prompt " + prompt + ", got " + values.length);
    }
    for (double v : values) {
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException("parameters must be finite, got " + v);
      }
    }
    try (NDManager scope = manager.newSubManager()) {
      theta.set(new NDIndex(prompt), scope.create(values));
    }
    System.arraycopy(values, 0, hostTheta, base, responses);
  }

  @Override
  public StepReport exactStep(Sampler sampler, Objective objective, StepSize stepSize) {
    requireOpen();
    Objects.requireNonNull(sampler, "sampler");
    Optional<LogisticForm> form = objective.logisticForm();
    int block = blockSize((long) responses * responses);
    for (int from = 0; from < prompts; from += block) {
      int to = Math.min(prompts, from + block);
      try (NDManager scope = manager.newSubManager()) {
        scope.tempAttachAll(theta, rewards);
        Block b = new Block(from, to);
        PairWeights weights = b.weights(sampler, objective.beta(), scope);
        NDArray w = weights.probabilities();
        Function<NDArray, NDArray> loss;
        double[] hostLoss = null;
        if (form.isPresent()) {
          NDArray r = b.rewards;
          NDArray p = Activation.sigmoid(r.expandDims(2).sub(r.expandDims(1)));
          NDArray q = smoothed(p, form.get());
          double beta = form.get().beta();
          loss =
              leaf -> {
                NDArray u = leaf.mul(Scalars.like(leaf, beta));
                return logistic(u.expandDims(2).sub(u.expandDims(1)), q)
                    .mul(w)
                    .sum(new int[] {1, 2});
              };
        } else {
          hostLoss = new double[to - from];
          NDArray g = exactDerivatives(objective, w.toDoubleArray(), from, hostLoss, scope);
          loss = leaf -> leaf.expandDims(2).sub(leaf.expandDims(1)).mul(g).sum(new int[] {1, 2});
        }
        descend(b, weights, objective.beta(), stepSize, loss, hostLoss, scope);
      }
    }
    return finish();
  }

  @Override
  public StepReport sampledStep(
      Sampler sampler, Objective objective, StepSize stepSize, int pairs, SplittableRandom random) {
    requireOpen();
    Objects.requireNonNull(sampler, "sampler");
    if (pairs < 1) {
      throw new IllegalArgumentException("pairs per prompt must be >= 1, got " + pairs);
    }
    // Split in prompt order, as the CPU backend does: each prompt's stream is fixed by the seed.
    SplittableRandom[] streams = new SplittableRandom[prompts];
    for (int x = 0; x < prompts; x++) {
      streams[x] = random.split();
    }
    Optional<LogisticForm> form = objective.logisticForm();
    int block = blockSize(Math.max((long) responses * responses, pairs));
    for (int from = 0; from < prompts; from += block) {
      int to = Math.min(prompts, from + block);
      try (NDManager scope = manager.newSubManager()) {
        scope.tempAttachAll(theta, rewards);
        Block b = new Block(from, to);
        PairWeights weights = b.weights(sampler, objective.beta(), scope);
        Draws d = draw(weights.probabilities().toDoubleArray(), from, to, pairs, streams);
        Shape shape = new Shape(to - from, pairs);
        NDArray first = scope.create(d.first, shape);
        NDArray second = scope.create(d.second, shape);
        Function<NDArray, NDArray> loss;
        double[] hostLoss = null;
        if (form.isPresent()) {
          NDArray q = smoothed(scope.create(d.labels, shape), form.get());
          double beta = form.get().beta();
          loss =
              leaf -> {
                NDArray u = leaf.mul(Scalars.like(leaf, beta));
                return logistic(u.gather(first, 1).sub(u.gather(second, 1)), q).mean(new int[] {1});
              };
        } else {
          hostLoss = new double[to - from];
          NDArray g = scope.create(sampledDerivatives(objective, d, pairs, hostLoss), shape);
          loss =
              leaf -> leaf.gather(first, 1).sub(leaf.gather(second, 1)).mul(g).sum(new int[] {1});
        }
        descend(b, weights, objective.beta(), stepSize, loss, hostLoss, scope);
      }
    }
    return finish();
  }

  /** The rows [from, to) of theta and the rewards, as arrays of the current scope. */
  private final class Block {
    final int from;
    final int to;
    final NDIndex rows;
    final NDArray theta;
    final NDArray rewards;

    Block(int from, int to) {
      this.from = from;
      this.to = to;
      this.rows = new NDIndex("{}:{}", from, to);
      this.theta = DjlTabularPolicy.this.theta.get(rows);
      this.rewards = DjlTabularPolicy.this.rewards.get(rows);
    }

    PairWeights weights(Sampler sampler, double beta, NDManager scope) {
      double[] caps = new double[to - from];
      for (int x = from; x < to; x++) {
        caps[x - from] = sampler.weightCap(rewardRange[x]);
      }
      return PairWeights.evaluate(
          sampler, theta.logSoftmax(1), rewards, logReference, beta, caps, scope);
    }
  }

  /**
   * Differentiates the block's loss by autograd and moves each prompt by its step size. {@code
   * loss} maps a copy of the block's theta that records gradients to the per-prompt losses (or, for
   * host-evaluated objectives, to a surrogate with the same gradient, the losses then being in
   * {@code hostLoss}).
   */
  private void descend(
      Block b,
      PairWeights weights,
      double beta,
      StepSize stepSize,
      Function<NDArray, NDArray> loss,
      double[] hostLoss,
      NDManager scope) {
    NDArray leaf = b.theta.duplicate();
    leaf.setRequiresGradient(true);
    NDArray perPrompt;
    try (GradientCollector collector = Tapes.open()) {
      perPrompt = loss.apply(leaf);
      collector.backward(perPrompt.sum());
    }
    double[] losses = hostLoss != null ? hostLoss : perPrompt.toDoubleArray();
    double[] logZ = weights.logZ().toDoubleArray();
    double[] eta = new double[b.to - b.from];
    for (int i = 0; i < eta.length; i++) {
      if (stepSize instanceof StepSize.Fixed fixed) {
        eta[i] = fixed.learningRate();
      } else {
        // Newton: eta = Z / (2 beta^2 Y), in log space since Z may be astronomically large.
        eta[i] = Math.exp(logZ[i] - Math.log(2 * beta * beta * responses));
      }
    }
    NDArray step = leaf.getGradient().mul(scope.create(eta, new Shape(eta.length, 1)));
    theta.set(b.rows, b.theta.sub(step));
    double[] updated = theta.get(b.rows).toDoubleArray();
    System.arraycopy(updated, 0, hostTheta, b.from * responses, updated.length);
    for (int i = 0; i < eta.length; i++) {
      int x = b.from + i;
      promptLoss[x] = losses[i];
      promptStep[x] = eta[i];
      for (int y = 0; y < responses; y++) {
        if (!Double.isFinite(hostTheta[x * responses + y])) {
          throw new TrainingDivergedException(
              "parameters of prompt "
                  + x
                  + " became non-finite at step "
                  + (steps + 1)
                  + " (step size "
                  + eta[i]
                  + ")");
        }
      }
    }
  }

  /** q = (1 - s) p + s (1 - p), the smoothed label. */
  private static NDArray smoothed(NDArray p, LogisticForm form) {
    double s = form.labelSmoothing();
    return s == 0 ? p : p.mul(1 - 2 * s).add(s);
  }

  /**
   * The logistic loss softplus(x) - q x of each pair, x = beta h. softplus(x) is written as m +
   * log(e^-m + e^(x - m)) with m = max(x, 0) detached: the expression equals softplus(x) for any
   * constant m, so its autograd derivative is exactly sigma(x) - q, with no overflow and no kink at
   * x = 0 (where relu- or abs-based forms get the gradient wrong, and every pair starts there).
   */
  private static NDArray logistic(NDArray x, NDArray q) {
    NDArray m = x.maximum(0).stopGradient();
    NDArray softplus = m.neg().exp().add(x.sub(m).exp()).log().add(m);
    return softplus.sub(q.mul(x));
  }

  /**
   * For objectives known only through their interface: the weighted derivatives W dL/dh of every
   * ordered pair of the block, and each prompt's loss into {@code losses}.
   */
  private NDArray exactDerivatives(
      Objective objective, double[] w, int from, double[] losses, NDManager scope) {
    int n = responses;
    double[] g = new double[w.length];
    for (int i = 0; i < losses.length; i++) {
      int base = (from + i) * n;
      double loss = 0;
      for (int y = 0; y < n; y++) {
        for (int y2 = 0; y2 < n; y2++) {
          int k = (i * n + y) * n + y2;
          if (w[k] == 0) {
            // A zero-weight pair may have an infinite loss; it contributes nothing.
            continue;
          }
          double h = hostTheta[base + y] - hostTheta[base + y2];
          double p = LogisticForm.sigmoid(hostRewards[base + y] - hostRewards[base + y2]);
          loss += w[k] * objective.loss(h, p);
          g[k] = w[k] * objective.derivative(h, p);
        }
      }
      losses[i] = loss;
    }
    return scope.create(g, new Shape(losses.length, n, n));
  }

  /** The same for drawn pairs with hard labels: dL/dh / pairs of each draw, and mean losses. */
  private double[] sampledDerivatives(Objective objective, Draws d, int pairs, double[] losses) {
    double[] g = new double[d.labels.length];
    for (int i = 0; i < losses.length; i++) {
      int base = (d.from + i) * responses;
      double loss = 0;
      for (int j = i * pairs; j < (i + 1) * pairs; j++) {
        double h = hostTheta[base + (int) d.first[j]] - hostTheta[base + (int) d.second[j]];
        loss += objective.loss(h, d.labels[j]);
        g[j] = objective.derivative(h, d.labels[j]) / pairs;
      }
      losses[i] = loss / pairs;
    }
    return g;
  }

  /** Ordered pairs drawn from W and their Bernoulli labels, prompt after prompt of a block. */
  private static final class Draws {
    final int from;
    final long[] first;
    final long[] second;
    final double[] labels;

    Draws(int from, int size) {
      this.from = from;
      this.first = new long[size];
      this.second = new long[size];
      this.labels = new double[size];
    }
  }

  /**
   * Draws each prompt's pairs from its own stream by inverting the cumulative W over the Y * Y
   * ordered pairs (row-major, so the cap is exact), then labels each pair: y wins with probability
   * sigma(r_y - r_y').
   */
  private Draws draw(double[] w, int from, int to, int pairs, SplittableRandom[] streams) {
    int n = responses;
    int cells = n * n;
    Draws d = new Draws(from, (to - from) * pairs);
    double[] cdf = new double[cells];
    for (int i = 0; i < to - from; i++) {
      double total = 0;
      int lastPositive = 0;
      for (int k = 0; k < cells; k++) {
        double wk = w[i * cells + k];
        total += wk;
        cdf[k] = total;
        if (wk > 0) {
          lastPositive = k;
        }
      }
      SplittableRandom random = streams[from + i];
      int base = (from + i) * n;
      for (int j = i * pairs; j < (i + 1) * pairs; j++) {
        double target = random.nextDouble() * total;
        int lo = 0;
        int hi = cells - 1;
        while (lo < hi) {
          int mid = (lo + hi) >>> 1;
          if (cdf[mid] > target) {
            hi = mid;
          } else {
            lo = mid + 1;
          }
        }
        // target == total only by rounding: take the last pair that has weight.
        int k = cdf[lo] > target ? lo : lastPositive;
        int y = k / n;
        int y2 = k % n;
        d.first[j] = y;
        d.second[j] = y2;
        double win = LogisticForm.sigmoid(hostRewards[base + y] - hostRewards[base + y2]);
        d.labels[j] = random.nextDouble() < win ? 1 : 0;
      }
    }
    return d;
  }

  private StepReport finish() {
    steps++;
    return StepReport.meanOver(promptLoss, promptStep);
  }

  private int blockSize(long elementsPerPrompt) {
    return (int) Math.max(1, Math.min(prompts, blockElements / elementsPerPrompt));
  }

  private int base(int prompt) {
    if (prompt < 0 || prompt >= prompts) {
      throw new IndexOutOfBoundsException(
          "prompt " + prompt + " is out of range; the problem has " + prompts + " prompts");
    }
    return prompt * responses;
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("this tabular policy is closed; create a new one");
    }
    if (!manager.isOpen()) {
      // Closing the backend closed its root manager and, with it, this policy's arrays.
      throw new IllegalStateException("the djl backend of this tabular policy is closed");
    }
  }

  /** The arrays the policy's manager holds now (theta and the rewards); for leak tests. */
  int liveArrays() {
    return manager.getManagedArrays().size();
  }

  /** Whether the native memory of theta has been released; for tests. */
  boolean released() {
    return theta.isReleased() && rewards.isReleased() && !manager.isOpen();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      manager.close();
    }
  }
}
