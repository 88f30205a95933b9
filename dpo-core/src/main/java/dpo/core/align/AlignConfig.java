package dpo.core.align;

import dpo.api.ConfigurationException;
import dpo.api.ConfigurationException.Violation;
import dpo.api.lm.GenerationConfig.Setting;
import dpo.api.oracle.LabelRule;
import dpo.api.sampler.Sampler;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Settings of the iterative online DPO loop ({@link OnlineDpoLoop}).
 *
 * @param iterations number of iterations (generate, label, train, evaluate, checkpoint), >= 1
 * @param responsesPerPrompt K responses drawn per training prompt, >= 2; the best and the worst by
 *     the oracle form the pair (ceil(K/2) from the sampler's first distribution, the rest from its
 *     second)
 * @param epochs passes over each round's pairs, >= 1
 * @param batchSize pairs per optimizer step, >= 1
 * @param learningRate AdamW peak learning rate, > 0
 * @param maxNewTokens most tokens generated per response, >= 1
 * @param temperature sampling temperature of the training responses, > 0
 * @param evalTemperature temperature of the evaluation responses (reward and win rate), >= 0 (0:
 *     greedy)
 * @param evalSamples responses per test prompt at the evaluation temperature (and KL samples per
 *     test prompt), >= 1
 * @param klTemperature temperature of the policy's samples that estimate KL(policy || initial), >
 *     0; at 1 the estimate is unbiased ({@link Evaluator})
 * @param marginScale scale of the oracle's reward gap before labelling, > 0
 * @param labelRule how the scaled gap becomes a label
 * @param resyncEvery how often generation follows the policy: 0 = once per iteration (iterative
 *     DPO); n > 0 = every n optimizer steps (1 = fully online); -1 = never (offline: every response
 *     comes from the initial model)
 * @param updateReference whether the reference becomes the policy at the end of each iteration
 * @param seed seed of every draw; the loop derives all its randomness from (seed, iteration, ...)
 * @param gradientAccumulation batches of {@code batchSize} pairs whose gradients are accumulated
 *     into one optimizer step, >= 1 (TRL's {@code gradient_accumulation_steps}): a step's loss is
 *     the mean over its {@code batchSize * gradientAccumulation} pairs, so the update is exactly
 *     that of one batch of that size; memory stays that of one forward pass, which the backend
 *     bounds whatever the batch (the djl backend: at most 1,024 tokens)
 */
public record AlignConfig(
    int iterations,
    int responsesPerPrompt,
    int epochs,
    int batchSize,
    double learningRate,
    int maxNewTokens,
    double temperature,
    double evalTemperature,
    int evalSamples,
    double klTemperature,
    double marginScale,
    LabelRule labelRule,
    int resyncEvery,
    boolean updateReference,
    long seed,
    int gradientAccumulation)
    implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * These settings with another seed.
   *
   * @param newSeed the seed
   * @return the copy
   */
  public AlignConfig withSeed(long newSeed) {
    return copy(c -> c.seed = newSeed);
  }

  /**
   * These settings with another number of responses per prompt.
   *
   * @param k responses per prompt, >= 2
   * @return the copy
   */
  public AlignConfig withResponsesPerPrompt(int k) {
    return copy(c -> c.responsesPerPrompt = k);
  }

  /**
   * These settings for one sampler: the sampler's own K when it fixes one ({@link
   * Sampler#responsesPerPrompt()}, e.g. best-of-4), these settings otherwise.
   *
   * @param sampler the sampler
   * @return the settings its runs use
   */
  public AlignConfig forSampler(Sampler sampler) {
    int k = sampler.responsesPerPrompt();
    return k > 0 ? withResponsesPerPrompt(k) : this;
  }

  /**
   * These settings with gradient accumulation over some batches.
   *
   * @param batches batches per optimizer step, >= 1
   * @return the copy
   */
  public AlignConfig withGradientAccumulation(int batches) {
    return copy(c -> c.gradientAccumulation = batches);
  }

  /** These settings with some fields changed: the one place that lists every field to copy. */
  private AlignConfig copy(Consumer<Copy> change) {
    Copy c = new Copy(this);
    change.accept(c);
    return c.build();
  }

  /** The fields of a config, to change some before {@link #build} validates the copy. */
  private static final class Copy {
    int iterations;
    int responsesPerPrompt;
    int epochs;
    int batchSize;
    double learningRate;
    int maxNewTokens;
    double temperature;
    double evalTemperature;
    int evalSamples;
    double klTemperature;
    double marginScale;
    LabelRule labelRule;
    int resyncEvery;
    boolean updateReference;
    long seed;
    int gradientAccumulation;

    Copy(AlignConfig c) {
      iterations = c.iterations;
      responsesPerPrompt = c.responsesPerPrompt;
      epochs = c.epochs;
      batchSize = c.batchSize;
      learningRate = c.learningRate;
      maxNewTokens = c.maxNewTokens;
      temperature = c.temperature;
      evalTemperature = c.evalTemperature;
      evalSamples = c.evalSamples;
      klTemperature = c.klTemperature;
      marginScale = c.marginScale;
      labelRule = c.labelRule;
      resyncEvery = c.resyncEvery;
      updateReference = c.updateReference;
      seed = c.seed;
      gradientAccumulation = c.gradientAccumulation;
    }

    AlignConfig build() {
      return new AlignConfig(
          iterations,
          responsesPerPrompt,
          epochs,
          batchSize,
          learningRate,
          maxNewTokens,
          temperature,
          evalTemperature,
          evalSamples,
          klTemperature,
          marginScale,
          labelRule,
          resyncEvery,
          updateReference,
          seed,
          gradientAccumulation);
    }
  }

  /**
   * Pairs per optimizer step: {@code batchSize * gradientAccumulation}.
   *
   * @return the count
   */
  public int stepPairs() {
    return Math.multiplyExact(batchSize, gradientAccumulation);
  }

  /**
   * Validates every setting, reporting all violations at once.
   *
   * @param iterations number of iterations (generate, label, train, evaluate, checkpoint), >= 1
   * @param responsesPerPrompt K responses drawn per training prompt, >= 2; the best and the worst
   *     by the oracle form the pair (ceil(K/2) from the sampler's first distribution, the rest from
   *     its second)
   * @param epochs passes over each round's pairs, >= 1
   * @param batchSize pairs per optimizer step, >= 1
   * @param learningRate AdamW peak learning rate, > 0
   * @param maxNewTokens most tokens generated per response, >= 1
   * @param temperature sampling temperature of the training responses, > 0
   * @param evalTemperature temperature of the evaluation responses (reward and win rate), >= 0
   * @param evalSamples responses per test prompt at the evaluation temperature, >= 1
   * @param klTemperature temperature of the samples that estimate KL(policy || reference), > 0
   * @param marginScale scale of the oracle's reward gap before labelling, > 0
   * @param labelRule how the scaled gap becomes a label
   * @param resyncEvery how often generation follows the policy: 0 = once per iteration (iterative
   *     DPO); n > 0 = every n optimizer steps (1 = fully online); -1 = never (offline: every
   *     response comes from the initial model)
   * @param updateReference whether the reference becomes the policy at the end of each iteration
   * @param seed seed of every draw; the loop derives all its randomness from (seed, iteration, ...)
   * @param gradientAccumulation batches of {@code batchSize} pairs per optimizer step, >= 1
   */
  public AlignConfig {
    List<Violation> errors = new ArrayList<>();
    atLeast(errors, "iterations", iterations, 1);
    atLeast(errors, "responsesPerPrompt", responsesPerPrompt, 2);
    atLeast(errors, "epochs", epochs, 1);
    atLeast(errors, "batchSize", batchSize, 1);
    atLeast(errors, "gradientAccumulation", gradientAccumulation, 1);
    if (batchSize >= 1
        && gradientAccumulation >= 1
        && (long) batchSize * gradientAccumulation > Integer.MAX_VALUE) {
      errors.add(
          new Violation(
              "gradientAccumulation",
              "gradientAccumulation times batchSize must be < 2^31, got "
                  + gradientAccumulation
                  + " x "
                  + batchSize));
    }
    Setting.MAX_NEW_TOKENS.check("maxNewTokens", maxNewTokens, errors);
    positive(errors, "learningRate", learningRate);
    Setting.SAMPLING_TEMPERATURE.check("temperature", temperature, errors);
    Setting.TEMPERATURE.check("evalTemperature", evalTemperature, errors);
    atLeast(errors, "evalSamples", evalSamples, 1);
    Setting.SAMPLING_TEMPERATURE.check("klTemperature", klTemperature, errors);
    positive(errors, "marginScale", marginScale);
    if (resyncEvery < -1) {
      errors.add(
          new Violation(
              "resyncEvery",
              "resyncEvery must be -1 (offline), 0 (once per"
                  + " iteration) or a number of steps >= 1 (1 = fully online), got "
                  + resyncEvery));
    }
    if (labelRule == null) {
      errors.add(new Violation("labelRule", "labelRule must be soft, hard or bernoulli"));
    }
    if (!errors.isEmpty()) {
      throw new ConfigurationException(errors);
    }
  }

  /**
   * The defaults of the bundled benchmark: 3 iterations, K = 2, 2 epochs, batch 16, lr 3e-4, soft
   * labels with margin scale 4 (the paper's Safe-RLHF setting), iterative resync, a fixed
   * reference; training and evaluation responses at temperature 1 (one per test prompt), KL from
   * samples at temperature 1.
   *
   * @param maxNewTokens the generation budget
   * @param seed the seed
   * @return the config
   */
  public static AlignConfig defaults(int maxNewTokens, long seed) {
    return new AlignConfig(
        3, 2, 2, 16, 3e-4, maxNewTokens, 1.0, 1.0, 1, 1.0, 4.0, LabelRule.SOFT, 0, false, seed, 1);
  }

  /**
   * Whether every response is drawn from the initial model.
   *
   * @return true when {@code resyncEvery == -1}
   */
  public boolean offline() {
    return resyncEvery == -1;
  }

  private static void atLeast(List<Violation> errors, String field, int value, int min) {
    if (value < min) {
      errors.add(new Violation(field, field + " must be >= " + min + ", got " + value));
    }
  }

  private static void positive(List<Violation> errors, String field, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      errors.add(new Violation(field, field + " must be a finite number > 0, got " + value));
    }
  }
}
