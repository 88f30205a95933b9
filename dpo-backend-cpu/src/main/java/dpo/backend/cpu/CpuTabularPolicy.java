package dpo.backend.cpu;

import dpo.api.TrainingDivergedException;
import dpo.api.backend.StepReport;
import dpo.api.backend.StepSize;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import dpo.api.objective.Objective;
import dpo.api.sampler.Sampler;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Tabular softmax policy on the CPU. theta is one flat X * Y array; each prompt's step only reads
 * and writes its own row, so prompts run in parallel and results do not depend on the thread count
 * (per-prompt losses are reduced in prompt order).
 */
final class CpuTabularPolicy implements TabularPolicy {
  private final TabularProblem problem;
  private final ForkJoinPool pool;
  private final int prompts;
  private final int responses;
  private final double[] theta;
  private final double[] rewards;
  private final double logReference;
  private final ThreadLocal<Workspace> workspaces;
  private final double[] promptLoss;
  private final double[] promptStep;
  private int steps;

  CpuTabularPolicy(TabularProblem problem, ForkJoinPool pool) {
    this.problem = problem;
    this.pool = pool;
    this.prompts = problem.prompts();
    this.responses = problem.responses();
    this.theta = new double[prompts * responses];
    this.rewards = new double[prompts * responses];
    for (int x = 0; x < prompts; x++) {
      for (int y = 0; y < responses; y++) {
        rewards[x * responses + y] = problem.reward(x, y);
      }
    }
    this.logReference = -Math.log(responses);
    this.workspaces = ThreadLocal.withInitial(() -> new Workspace(responses));
    this.promptLoss = new double[prompts];
    this.promptStep = new double[prompts];
  }

  /** Per-thread buffers, reused across prompts and steps. */
  private static final class Workspace {
    final double[] logPolicy;
    final double[] rewards;
    final double[] gradient;
    final PairWeights weights;

    Workspace(int responses) {
      logPolicy = new double[responses];
      rewards = new double[responses];
      gradient = new double[responses];
      weights = new PairWeights(responses);
    }
  }

  @Override
  public TabularProblem problem() {
    return problem;
  }

  @Override
  public void logProbabilities(int prompt, double[] out) {
    int base = prompt * responses;
    double max = Double.NEGATIVE_INFINITY;
    for (int y = 0; y < responses; y++) {
      max = Math.max(max, theta[base + y]);
    }
    double sum = 0;
    for (int y = 0; y < responses; y++) {
      sum += Math.exp(theta[base + y] - max);
    }
    double logNorm = max + Math.log(sum);
    for (int y = 0; y < responses; y++) {
      out[y] = theta[base + y] - logNorm;
    }
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
    run(x -> exactPrompt(x, sampler, objective, stepSize));
    return finish();
  }

  @Override
  public StepReport sampledStep(
      Sampler sampler, Objective objective, StepSize stepSize, int pairs, SplittableRandom random) {
    if (pairs < 1) {
      throw new IllegalArgumentException("pairs per prompt must be >= 1, got " + pairs);
    }
    // Split in prompt order before going parallel: each prompt's stream is fixed by the seed.
    SplittableRandom[] streams = new SplittableRandom[prompts];
    for (int x = 0; x < prompts; x++) {
      streams[x] = random.split();
    }
    run(x -> sampledPrompt(x, sampler, objective, stepSize, pairs, streams[x]));
    return finish();
  }

  private void exactPrompt(int x, Sampler sampler, Objective objective, StepSize stepSize) {
    Workspace ws = workspaces.get();
    PairWeights weights = prepare(ws, x, sampler, objective);
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
        double p = sigmoid(rewardY - ws.rewards[y2]);
        loss += w * objective.loss(h, p);
        double d = w * objective.derivative(h, p);
        grad[y] += d;
        grad[y2] -= d;
      }
    }
    update(x, weights, objective, stepSize, grad, loss);
  }

  private void sampledPrompt(
      int x,
      Sampler sampler,
      Objective objective,
      StepSize stepSize,
      int pairs,
      SplittableRandom random) {
    Workspace ws = workspaces.get();
    PairWeights weights = prepare(ws, x, sampler, objective);
    int base = x * responses;
    double[] grad = ws.gradient;
    Arrays.fill(grad, 0);
    double loss = 0;
    for (int i = 0; i < pairs; i++) {
      int pair = weights.sample(random);
      int y = pair / responses;
      int y2 = pair % responses;
      double label = random.nextDouble() < sigmoid(ws.rewards[y] - ws.rewards[y2]) ? 1 : 0;
      double h = theta[base + y] - theta[base + y2];
      loss += objective.loss(h, label);
      double d = objective.derivative(h, label);
      grad[y] += d;
      grad[y2] -= d;
    }
    double inv = 1.0 / pairs;
    for (int y = 0; y < responses; y++) {
      grad[y] *= inv;
    }
    update(x, weights, objective, stepSize, grad, loss * inv);
  }

  private PairWeights prepare(Workspace ws, int x, Sampler sampler, Objective objective) {
    logProbabilities(x, ws.logPolicy);
    System.arraycopy(rewards, x * responses, ws.rewards, 0, responses);
    ws.weights.prepare(sampler, ws.logPolicy, logReference, ws.rewards, objective.beta());
    return ws.weights;
  }

  private void update(
      int x, PairWeights weights, Objective objective, StepSize stepSize, double[] grad, double loss) {
    double eta = stepSizeOf(stepSize, weights, objective.beta());
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
                + "); use a smaller learning rate");
      }
    }
    promptLoss[x] = loss;
    promptStep[x] = eta;
  }

  private double stepSizeOf(StepSize stepSize, PairWeights weights, double beta) {
    if (stepSize instanceof StepSize.Fixed fixed) {
      return fixed.learningRate();
    }
    // Newton: eta = Z / (2 beta^2 Y), computed in log space since Z may be astronomically large.
    return Math.exp(weights.logPartition() - Math.log(2 * beta * beta * responses));
  }

  private void run(IntConsumer perPrompt) {
    if (prompts == 1 || pool.getParallelism() == 1) {
      for (int x = 0; x < prompts; x++) {
        perPrompt.accept(x);
      }
    } else {
      pool.submit(() -> IntStream.range(0, prompts).parallel().forEach(perPrompt)).join();
    }
  }

  private StepReport finish() {
    steps++;
    double loss = 0;
    double step = 0;
    for (int x = 0; x < prompts; x++) {
      loss += promptLoss[x];
      step += promptStep[x];
    }
    return new StepReport(loss / prompts, step / prompts);
  }

  static double sigmoid(double x) {
    if (x >= 0) {
      return 1 / (1 + Math.exp(-x));
    }
    double e = Math.exp(x);
    return e / (1 + e);
  }

  @Override
  public void close() {
    workspaces.remove();
  }
}
