package dpo.api.backend;

import dpo.api.TrainingDivergedException;
import dpo.api.objective.Objective;
import dpo.api.sampler.Sampler;
import java.util.SplittableRandom;

/**
 * A tabular softmax policy pi_theta(y | x) = softmax(theta_x)_y over a {@link TabularProblem},
 * starting at theta = 0 (the uniform reference). Not thread-safe: one run drives one policy.
 *
 * <p>For an ordered pair (y, y') the implicit log-ratio difference is h = theta_y - theta_y' (the
 * uniform reference cancels). A step evaluates the sampler's pair weights W at the current theta,
 * holds them constant, and descends the sampler-weighted loss
 *
 * <pre>
 *   L_x(theta) = sum over (y, y') of W(y, y') * objective.loss(h(y, y'), sigma(r_y - r_y'))
 * </pre>
 */
public interface TabularPolicy extends AutoCloseable {

  /**
   * The problem this policy was created for.
   *
   * @return the problem
   */
  TabularProblem problem();

  /**
   * Writes log pi_theta(. | prompt) into {@code out}.
   *
   * @param prompt the prompt index
   * @param out a buffer of length >= Y
   */
  void logProbabilities(int prompt, double[] out);

  /**
   * Writes theta of one prompt into {@code out}.
   *
   * @param prompt the prompt index
   * @param out a buffer of length >= Y
   */
  void parameters(int prompt, double[] out);

  /**
   * Sets theta of one prompt, for warm starts and tests.
   *
   * @param prompt the prompt index
   * @param values Y finite values
   * @throws IllegalArgumentException if a value is not finite or the length is not Y
   */
  void setParameters(int prompt, double[] values);

  /**
   * One step along the exact gradient of the sampler-weighted loss with soft Bradley-Terry labels.
   *
   * @param sampler the pair distribution W (not differentiated)
   * @param objective the per-pair loss
   * @param stepSize the per-prompt step size
   * @return the loss before the step, averaged over prompts
   * @throws TrainingDivergedException if a parameter becomes non-finite
   */
  StepReport exactStep(Sampler sampler, Objective objective, StepSize stepSize);

  /**
   * One exact step as {@link #exactStep(Sampler, Objective, StepSize)}, measuring the loss only
   * when the caller needs it. The update is the same either way. The loss is a logarithm per pair
   * that a gradient does not need, so a training loop that records it only at metric steps lets a
   * backend skip that work on the other steps; a backend may still compute it.
   *
   * <p>The default computes the loss on every step, so a backend written before this method behaves
   * correctly without change.
   *
   * @param sampler the pair distribution W (not differentiated)
   * @param objective the per-pair loss
   * @param stepSize the per-prompt step size
   * @param lossNeeded whether the report must carry the loss; when false its loss may be NaN
   * @return the report; its loss is the loss before the step, or NaN when not needed and skipped
   * @throws TrainingDivergedException if a parameter becomes non-finite
   */
  default StepReport exactStep(
      Sampler sampler, Objective objective, StepSize stepSize, boolean lossNeeded) {
    return exactStep(sampler, objective, stepSize);
  }

  /**
   * One step along a sampled gradient: per prompt, draws {@code pairs} ordered pairs from W, labels
   * each with a Bernoulli(sigma(r_y - r_y')) draw, and descends the mean hard-label loss.
   *
   * @param sampler the pair distribution W
   * @param objective the per-pair loss
   * @param stepSize the per-prompt step size
   * @param pairs pairs drawn per prompt, >= 1
   * @param random the source of randomness; the policy splits it per prompt, so results do not
   *     depend on how work is scheduled
   * @return the sampled loss before the step, averaged over prompts
   * @throws TrainingDivergedException if a parameter becomes non-finite
   */
  StepReport sampledStep(
      Sampler sampler, Objective objective, StepSize stepSize, int pairs, SplittableRandom random);

  /**
   * Releases the policy's memory and threads. Idempotent. Afterwards {@link #exactStep} and {@link
   * #sampledStep} throw {@link IllegalStateException}.
   */
  @Override
  void close();

  /**
   * The log-softmax of {@code length} logits from {@code from}, computed stably (shifted by the
   * maximum): what {@link #logProbabilities} returns for a prompt's parameters.
   *
   * @param theta the logits
   * @param from index of the first logit
   * @param length number of logits
   * @param out receives the {@code length} log-probabilities from index 0
   */
  static void logSoftmax(double[] theta, int from, int length, double[] out) {
    double max = Double.NEGATIVE_INFINITY;
    for (int y = 0; y < length; y++) {
      max = Math.max(max, theta[from + y]);
    }
    double sum = 0;
    for (int y = 0; y < length; y++) {
      sum += Math.exp(theta[from + y] - max);
    }
    double logNorm = max + Math.log(sum);
    for (int y = 0; y < length; y++) {
      out[y] = theta[from + y] - logNorm;
    }
  }
}
