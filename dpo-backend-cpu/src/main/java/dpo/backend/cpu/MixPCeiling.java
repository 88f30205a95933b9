package dpo.backend.cpu;

import dpo.api.backend.TabularProblem;
import java.util.concurrent.ForkJoinPool;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A measuring stick, not a backend: the machine's limit for the exact dpo-mix-p gradient of the
 * sigmoid loss with a fixed step size, on the Vector API at the preferred width. Per prompt it
 * takes the exponentials a = e^(beta theta), 1 / a and e = e^r once; then each unordered pair costs
 * its weight 2 + a_y / a_y' + a_y' / a_y as two multiply-adds of those, and the label and sigmoid
 * difference over one denominator, one division:
 *
 * <pre>
 *   a_y / (a_y + a_y') - e_y / (e_y + e_y') = (a_y e_y' - e_y a_y') / ((a_y + a_y') (e_y + e_y'))
 * </pre>
 *
 * No loss, no sampler interface, no cap, no fallback for extreme spreads, no check of its inputs:
 * what the machine does when everything general is stripped away, so that {@code dpo bench bandit}
 * and the JMH benchmarks can report the backend's kernels as a fraction of it. Its update equals
 * the backend's exact step of dpo-mix-p ({@code MixPCeilingTest}).
 *
 * <p>It is public only for dpo-bench, the one documented exception to "commands reach backends
 * through the API" (ArchitectureTest), and it needs {@code --add-modules jdk.incubator.vector}.
 * Prompts are split across threads as the backend splits them: contiguous, one block per worker.
 */
public final class MixPCeiling {
  private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;

  private final int prompts;
  private final int responses;
  private final double beta;
  private final double learningRate;
  private final double[] theta;
  private final double[] rewards;
  private final ThreadLocal<double[][]> scratch;

  /**
   * A ceiling over one problem, starting at theta = 0.
   *
   * @param problem the rewards
   * @param beta the KL coefficient
   * @param learningRate the fixed step size
   */
  public MixPCeiling(TabularProblem problem, double beta, double learningRate) {
    this.prompts = problem.prompts();
    this.responses = problem.responses();
    this.beta = beta;
    this.learningRate = learningRate;
    this.theta = new double[prompts * responses];
    this.rewards = new double[prompts * responses];
    for (int x = 0; x < prompts; x++) {
      System.arraycopy(problem.rewards(x), 0, rewards, x * responses, responses);
    }
    this.scratch = ThreadLocal.withInitial(() -> new double[4][responses]);
  }

  /**
   * Sets theta of one prompt.
   *
   * @param prompt the prompt
   * @param values Y values
   */
  public void setParameters(int prompt, double[] values) {
    System.arraycopy(values, 0, theta, prompt * responses, responses);
  }

  /**
   * Writes theta of one prompt into {@code out}.
   *
   * @param prompt the prompt
   * @param out a buffer of length >= Y
   */
  public void parameters(int prompt, double[] out) {
    System.arraycopy(theta, prompt * responses, out, 0, responses);
  }

  /**
   * One step over every prompt, chunks of prompts shared out among the workers of the pool as the
   * backend shares them out.
   *
   * @param pool the workers; a pool of parallelism 1 runs on the calling thread
   */
  public void step(ForkJoinPool pool) {
    CpuTabularPolicy.forEachPrompt(pool, prompts, this::prompt);
  }

  private void prompt(int x) {
    double[][] s = scratch.get();
    double[] a = s[0];
    double[] inv = s[1];
    double[] e = s[2];
    double[] grad = s[3];
    int n = responses;
    int base = x * n;
    double maxTheta = Double.NEGATIVE_INFINITY;
    double maxReward = Double.NEGATIVE_INFINITY;
    for (int y = 0; y < n; y++) {
      maxTheta = Math.max(maxTheta, theta[base + y]);
      maxReward = Math.max(maxReward, rewards[base + y]);
    }
    double sumA = 0;
    double sumInv = 0;
    for (int y = 0; y < n; y++) {
      a[y] = Math.exp(beta * (theta[base + y] - maxTheta));
      inv[y] = 1 / a[y];
      e[y] = Math.exp(rewards[base + y] - maxReward);
      sumA += a[y];
      sumInv += inv[y];
      grad[y] = 0;
    }
    int lanes = SPECIES.length();
    DoubleVector two = DoubleVector.broadcast(SPECIES, 2);
    for (int y = 0; y < n; y++) {
      double ay = a[y];
      double iy = inv[y];
      double ey = e[y];
      DoubleVector ayV = DoubleVector.broadcast(SPECIES, ay);
      DoubleVector iyV = DoubleVector.broadcast(SPECIES, iy);
      DoubleVector eyV = DoubleVector.broadcast(SPECIES, ey);
      DoubleVector negEy = DoubleVector.broadcast(SPECIES, -ey);
      DoubleVector rowV = DoubleVector.zero(SPECIES);
      int y2 = y + 1;
      for (; y2 + lanes <= n; y2 += lanes) {
        DoubleVector a2 = DoubleVector.fromArray(SPECIES, a, y2);
        DoubleVector e2 = DoubleVector.fromArray(SPECIES, e, y2);
        DoubleVector w = a2.fma(iyV, DoubleVector.fromArray(SPECIES, inv, y2).fma(ayV, two));
        DoubleVector numerator = e2.fma(ayV, a2.mul(negEy));
        DoubleVector g = w.mul(numerator).div(ayV.add(a2).mul(eyV.add(e2)));
        rowV = rowV.add(g);
        DoubleVector.fromArray(SPECIES, grad, y2).sub(g).intoArray(grad, y2);
      }
      double row = rowV.reduceLanes(VectorOperators.ADD);
      for (; y2 < n; y2++) {
        double w = 2 + ay * inv[y2] + a[y2] * iy;
        double g = w * (ay * e[y2] - ey * a[y2]) / ((ay + a[y2]) * (ey + e[y2]));
        row += g;
        grad[y2] -= g;
      }
      grad[y] += row;
    }
    // Z = sum of C over ordered pairs = 2 Y^2 + 2 (sum a)(sum 1/a); each unordered pair above
    // stands for both orders, hence 2 beta.
    double scale = learningRate * 2 * beta / (2.0 * n * n + 2 * sumA * sumInv);
    for (int y = 0; y < n; y++) {
      theta[base + y] -= scale * grad[y];
    }
  }
}
