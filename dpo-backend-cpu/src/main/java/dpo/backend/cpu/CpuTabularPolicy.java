package dpo.backend.cpu;

import dpo.api.TrainingDivergedException;
import dpo.api.backend.StepReport;
import dpo.api.backend.StepSize;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import dpo.api.objective.LogisticForm;
import dpo.api.objective.Objective;
import dpo.api.sampler.Sampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Tabular softmax policy on the CPU. theta is one flat X * Y array; each prompt's step only reads
 * and writes its own row, so prompts run in parallel and results do not depend on the thread count
 * (per-prompt losses are reduced in prompt order). The logistic objective runs through an {@link
 * ExactKernel} (scalar or SIMD); any other objective is evaluated pair by pair through its
 * interface.
 */
final class CpuTabularPolicy implements TabularPolicy {
  private final TabularProblem problem;
  private final ForkJoinPool pool;
  private final ExactKernel kernel;
  private final int prompts;
  private final int responses;
  private final double[] theta;
  private final double[] rewards;

  /** e^(r - max r) and max r - min r of each prompt: the rewards never change. */
  private final double[] rewardExp;

  private final double[] rewardSpread;

  private final double logReference;
  private final ThreadLocal<Workspace> workspaces;
  private final double[] promptLoss;
  private final double[] promptStep;
  private final SplitMix[] streams;
  private int steps;
  private boolean closed;

  CpuTabularPolicy(TabularProblem problem, ForkJoinPool pool, ExactKernel kernel) {
    this.problem = problem;
    this.pool = pool;
    this.kernel = kernel;
    this.prompts = problem.prompts();
    this.responses = problem.responses();
    this.theta = new double[prompts * responses];
    this.rewards = new double[prompts * responses];
    for (int x = 0; x < prompts; x++) {
      for (int y = 0; y < responses; y++) {
        rewards[x * responses + y] = problem.reward(x, y);
      }
    }
    this.rewardSpread = new double[prompts];
    this.rewardExp = LogisticInputs.rewardExponentials(rewards, responses, rewardSpread);
    this.logReference = -Math.log(responses);
    this.workspaces = ThreadLocal.withInitial(() -> new Workspace(responses));
    this.promptLoss = new double[prompts];
    this.promptStep = new double[prompts];
    this.streams = new SplitMix[prompts];
    for (int x = 0; x < prompts; x++) {
      streams[x] = new SplitMix();
    }
  }

  /** Per-thread buffers, reused across prompts and steps. */
  private static final class Workspace {
    final double[] logPolicy;
    final double[] rewards;
    final double[] gradient;
    final double[] sums = new double[2];
    final PairWeights weights;
    final LogisticInputs inputs;
    final SampledPairs pairs;

    Workspace(int responses) {
      logPolicy = new double[responses];
      rewards = new double[responses];
      gradient = new double[responses];
      weights = new PairWeights(responses);
      inputs = new LogisticInputs(responses);
      pairs = new SampledPairs(responses);
    }
  }

  @Override
  public TabularProblem problem() {
    return problem;
  }

  @Override
  public void logProbabilities(int prompt, double[] out) {
    TabularPolicy.logSoftmax(theta, prompt * responses, responses, out);
  }

  @Override
  public void parameters(int prompt, double[] out) {
    System.arraycopy(theta, prompt * responses, out, 0, responses);
  }

  @Override
  public void setParameters(int prompt, double[] values) {
    if (values.length != responses) {
      throw new IllegalArgumentException(
          "expected " + responses + " parameters for prompt " + prompt + ", got " + values.length);
    }
    for (double v : values) {
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException("parameters must be finite, got " + v);
      }
    }
    System.arraycopy(values, 0, theta, prompt * responses, responses);
  }

  @Override
  public StepReport exactStep(Sampler sampler, Objective objective, StepSize stepSize) {
    return exactStep(sampler, objective, stepSize, true);
  }

  @Override
  public StepReport exactStep(
      Sampler sampler, Objective objective, StepSize stepSize, boolean lossNeeded) {
    requireOpen();
    Optional<LogisticForm> form = objective.logisticForm();
    if (form.isPresent()) {
      LogisticForm f = form.get();
      run(x -> exactLogistic(x, sampler, f, stepSize, lossNeeded));
    } else {
      run(x -> exactGeneric(x, sampler, objective, stepSize, lossNeeded));
    }
    return finish();
  }

  @Override
  public StepReport sampledStep(
      Sampler sampler, Objective objective, StepSize stepSize, int pairs, SplittableRandom random) {
    requireOpen();
    if (pairs < 1) {
      throw new IllegalArgumentException("pairs per prompt must be >= 1, got " + pairs);
    }
    // Split in prompt order before going parallel: each prompt's stream is fixed by the seed.
    for (int x = 0; x < prompts; x++) {
      streams[x].splitFrom(random);
    }
    Optional<LogisticForm> form = objective.logisticForm();
    run(x -> sampledPrompt(x, sampler, objective, form.orElse(null), stepSize, pairs, streams[x]));
    return finish();
  }

  private void exactLogistic(
      int x, Sampler sampler, LogisticForm form, StepSize stepSize, boolean lossNeeded) {
    Workspace ws = workspaces.get();
    PairWeights weights = prepare(ws, x, sampler, form.beta());
    ws.inputs.prepare(theta, rewards, rewardExp, rewardSpread[x], x * responses, form.beta());
    double[] grad = ws.gradient;
    kernel.sums(ws.inputs, weights, form.beta(), form.labelSmoothing(), lossNeeded, grad, ws.sums);
    double weightSum = ws.sums[0];
    for (int y = 0; y < responses; y++) {
      grad[y] /= weightSum;
    }
    double logPartition = weights.logScale() + Math.log(weightSum);
    update(x, logPartition, form.beta(), stepSize, grad, ws.sums[1] / weightSum);
  }

  private void exactGeneric(
      int x, Sampler sampler, Objective objective, StepSize stepSize, boolean lossNeeded) {
    Workspace ws = workspaces.get();
    PairWeights weights = prepare(ws, x, sampler, objective.beta());
    int base = x * responses;
    double[] grad = ws.gradient;
    Arrays.fill(grad, 0);
    double loss = 0;
    for (int y = 0; y < responses; y++) {
      double thetaY = theta[base + y];
      double rewardY = ws.rewards[y];
      for (int y2 = 0; y2 < responses; y2++) {
        double w = weights.weight(y, y2);
        if (w == 0) {
          continue;
        }
        double h = thetaY - theta[base + y2];
        double p = LogisticForm.sigmoid(rewardY - ws.rewards[y2]);
        if (lossNeeded) {
          loss += w * objective.loss(h, p);
        }
        double d = w * objective.derivative(h, p);
        grad[y] += d;
        grad[y2] -= d;
      }
    }
    update(
        x,
        weights.logPartition(),
        objective.beta(),
        stepSize,
        grad,
        lossNeeded ? loss : Double.NaN);
  }

  private void sampledPrompt(
      int x,
      Sampler sampler,
      Objective objective,
      LogisticForm form,
      StepSize stepSize,
      int pairs,
      SplitMix random) {
    Workspace ws = workspaces.get();
    double beta = objective.beta();
    PairWeights weights = prepare(ws, x, sampler, beta);
    LogisticInputs in = ws.inputs;
    in.prepare(theta, rewards, rewardExp, rewardSpread[x], x * responses, beta);
    boolean ratio = form != null && in.ratioSafe;
    double smoothing = form == null ? 0 : form.labelSmoothing();
    double[] grad = ws.gradient;
    weights.prepareSampling();
    double loss =
        ws.pairs.run(kernel, weights, in, objective, ratio, smoothing, beta, pairs, random, grad);
    double inv = 1.0 / pairs;
    for (int y = 0; y < responses; y++) {
      grad[y] *= inv;
    }
    update(x, weights.logPartition(), beta, stepSize, grad, loss * inv);
  }

  private PairWeights prepare(Workspace ws, int x, Sampler sampler, double beta) {
    logProbabilities(x, ws.logPolicy);
    System.arraycopy(rewards, x * responses, ws.rewards, 0, responses);
    ws.weights.prepare(sampler, ws.logPolicy, logReference, ws.rewards, beta);
    return ws.weights;
  }

  private void update(
      int x, double logPartition, double beta, StepSize stepSize, double[] grad, double loss) {
    double eta;
    if (stepSize instanceof StepSize.Fixed fixed) {
      eta = fixed.learningRate();
    } else {
      // Newton: eta = Z / (2 beta^2 Y), in log space since Z may be astronomically large.
      eta = Math.exp(logPartition - Math.log(2 * beta * beta * responses));
    }
    int base = x * responses;
    for (int y = 0; y < responses; y++) {
      theta[base + y] -= eta * grad[y];
      if (!Double.isFinite(theta[base + y])) {
        throw new TrainingDivergedException(
            "parameters of prompt "
                + x
                + " became non-finite at step "
                + (steps + 1)
                + " (step size "
                + eta
                + ")");
      }
    }
    promptLoss[x] = loss;
    promptStep[x] = eta;
  }

  private void run(IntConsumer perPrompt) {
    forEachPrompt(pool, prompts, perPrompt);
  }

  /** Chunks per worker of {@link #forEachPrompt}: small enough to even out the threads' ends. */
  private static final int CHUNKS_PER_WORKER = 32;

  /**
   * Runs {@code perPrompt} for prompts 0 .. count - 1 on the workers of the pool and the calling
   * thread. Each thread takes the next chunk of adjacent prompts (a shared counter, chunks handed
   * out in prompt order) until none is left, so a thread that the machine slows down (another
   * process, an interrupt, a slower core) takes fewer chunks and the others more, instead of the
   * step waiting for its fixed share; one task per worker and step, no per-prompt tasks. Each
   * prompt writes only its own rows, so results do not depend on which thread ran a prompt.
   *
   * <p>A thread stops at the first prompt that throws, and no thread takes a chunk after that; the
   * exception of the lowest such prompt is rethrown as it was thrown. That is the lowest prompt
   * that throws, whatever the timing: chunks are handed out in order, so its chunk was handed out
   * before the chunk of any later failure, and the thread holding it runs it up to that prompt.
   */
  static void forEachPrompt(ForkJoinPool pool, int count, IntConsumer perPrompt) {
    int workers = Math.min(pool.getParallelism(), count);
    if (workers <= 1) {
      for (int x = 0; x < count; x++) {
        perPrompt.accept(x);
      }
      return;
    }
    Chunks chunks =
        new Chunks(count, Math.max(1, count / (workers * CHUNKS_PER_WORKER)), perPrompt);
    List<ForkJoinTask<?>> others = new ArrayList<>(workers - 1);
    for (int w = 1; w < workers; w++) {
      others.add(pool.submit(chunks::drain));
    }
    chunks.drain();
    for (ForkJoinTask<?> task : others) {
      task.join();
    }
    chunks.rethrow();
  }

  /** The shared state of one {@link #forEachPrompt}: the next chunk and the first failure. */
  private static final class Chunks {
    private final int count;
    private final int size;
    private final IntConsumer perPrompt;
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean failed;
    private int failedPrompt = Integer.MAX_VALUE;
    private RuntimeException failure;

    Chunks(int count, int size, IntConsumer perPrompt) {
      this.count = count;
      this.size = size;
      this.perPrompt = perPrompt;
    }

    void drain() {
      for (int from; !failed && (from = next.getAndAdd(size)) < count; ) {
        int to = Math.min(count, from + size);
        for (int x = from; x < to; x++) {
          try {
            perPrompt.accept(x);
          } catch (RuntimeException e) {
            fail(x, e);
            return;
          }
        }
      }
    }

    private synchronized void fail(int prompt, RuntimeException e) {
      failed = true;
      if (prompt < failedPrompt) {
        failedPrompt = prompt;
        failure = e;
      }
    }

    synchronized void rethrow() {
      if (failure != null) {
        throw failure;
      }
    }
  }

  private StepReport finish() {
    steps++;
    return StepReport.meanOver(promptLoss, promptStep);
  }

  /** Steps after close fail here, with the reason, rather than deep in the worker pool. */
  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException(
          "this tabular policy is closed; create a new one with TabularPolicies.newTabularPolicy");
    }
    if (pool.isShutdown()) {
      throw new IllegalStateException(
          "the cpu backend that created this policy is closed; create a new backend and policy");
    }
  }

  @Override
  public void close() {
    closed = true;
    workspaces.remove();
  }
}
