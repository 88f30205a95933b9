package dpo.core.align;

import dpo.api.ConfigurationException;
import dpo.api.ConfigurationException.Violation;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.GenerationConfig.Setting;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LanguageModels;
import dpo.api.lm.Tokenizer;
import dpo.api.oracle.RewardOracle;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures a policy on test prompts against a reference model (the one evaluation of {@code dpo
 * align} and {@code dpo eval}, docs/method.md §4):
 *
 * <ul>
 *   <li><b>reward</b>: the mean oracle reward of {@link Settings#samples()} responses per prompt
 *       drawn at {@link Settings#temperature()} (greedy when 0);
 *   <li><b>greedy reward</b>: the mean oracle reward of one greedy response per prompt;
 *   <li><b>win rate</b>: the share of (prompt, draw) pairs where the policy's response beats the
 *       reference's response drawn the same way (same temperature, same random numbers), ties
 *       counting one half;
 *   <li><b>KL(policy || reference)</b>: the mean over {@link Settings#samples()} responses per
 *       prompt, drawn from the policy at {@link Settings#klTemperature()}, of the sum over the
 *       response's positions of the exact KL between the two models' next-token distributions
 *       ({@link LanguageModel#sequenceKl}). At KL temperature 1 (the default) this is an unbiased
 *       estimate of the sequence-level KL and never negative.
 * </ul>
 *
 * <p>Responses never contain the tokenizer's {@link Tokenizer#neverGenerated()} tokens; the oracle
 * receives {@link Tokenizer#decode} of each response, so special tokens (the end-of-sequence token
 * that ends it, and any other the tokenizer leaves out) are not part of the text it scores.
 *
 * <p>Every draw is seeded from {@link Settings#seed()} alone, so policies evaluated with the same
 * settings are compared on common random numbers.
 */
public final class Evaluator {
  private final LanguageModels lm;
  private final Tokenizer tokenizer;
  private final RewardOracle oracle;
  private final Settings settings;

  /**
   * What an evaluation draws.
   *
   * @param maxNewTokens most tokens per response, >= 1
   * @param temperature temperature of the evaluation responses (reward and win rate), >= 0 (0 =
   *     greedy, then one response per prompt is drawn whatever {@code samples})
   * @param samples responses per test prompt at that temperature, and KL samples per prompt, >= 1
   * @param klTemperature temperature of the policy's samples that estimate the KL, > 0 (1: the
   *     policy itself, the unbiased estimate)
   * @param seed seed of every draw
   */
  public record Settings(
      int maxNewTokens, double temperature, int samples, double klTemperature, long seed) {
    /**
     * Validates, reporting every violation.
     *
     * @param maxNewTokens most tokens per response, >= 1
     * @param temperature temperature of the evaluation responses, >= 0
     * @param samples responses per test prompt, >= 1
     * @param klTemperature temperature of the KL samples, > 0
     * @param seed seed of every draw
     */
    public Settings {
      List<Violation> errors = new ArrayList<>();
      Setting.MAX_NEW_TOKENS.check("maxNewTokens", maxNewTokens, errors);
      Setting.TEMPERATURE.check("evalTemperature", temperature, errors);
      if (samples < 1) {
        errors.add(new Violation("evalSamples", "evalSamples must be >= 1, got " + samples));
      }
      Setting.SAMPLING_TEMPERATURE.check("klTemperature", klTemperature, errors);
      if (!errors.isEmpty()) {
        throw new ConfigurationException(errors);
      }
    }

    /**
     * Responses drawn per prompt at the evaluation temperature.
     *
     * @return 1 when greedy, else {@link #samples()}
     */
    public int draws() {
      return temperature == 0 ? 1 : samples;
    }
  }

  /**
   * The reference's side of an evaluation, computed once and compared against every policy.
   *
   * @param prompts the test prompts, as the oracle reads them
   * @param ids their token ids, as the models read them
   * @param rewards the oracle's reward of each reference response, draw-major ({@code draw *
   *     prompts + prompt})
   * @param greedyRewards the oracle's reward of the reference's greedy response to each prompt
   */
  public record Baseline(
      List<String> prompts, List<int[]> ids, double[] rewards, double[] greedyRewards) {
    /**
     * The reference's mean reward at the evaluation temperature.
     *
     * @return the mean
     */
    public double reward() {
      return mean(rewards);
    }

    /**
     * The reference's mean greedy reward.
     *
     * @return the mean
     */
    public double greedyReward() {
      return mean(greedyRewards);
    }
  }

  /**
   * An evaluator; nothing runs until {@link #baseline}.
   *
   * @param lm the language models of the backend that owns the models
   * @param tokenizer the models' tokenizer
   * @param oracle scores responses; the caller closes it
   * @param settings what to draw
   */
  public Evaluator(LanguageModels lm, Tokenizer tokenizer, RewardOracle oracle, Settings settings) {
    this.lm = lm;
    this.tokenizer = tokenizer;
    this.oracle = oracle;
    this.settings = settings;
  }

  /**
   * Draws and scores the reference's responses to the test prompts.
   *
   * @param reference the reference model
   * @param test the test prompts (each with at least one token)
   * @return the baseline
   */
  public Baseline baseline(LanguageModel reference, List<Prompt> test) {
    List<int[]> ids = OnlineDpoLoop.encode(tokenizer, test);
    List<String> prompts = Prompt.texts(test);
    double[] rewards = score(prompts, repeat(ids), draw(reference, repeat(ids), sampling()));
    double[] greedy = greedyRewards(reference, prompts, ids, rewards);
    return new Baseline(List.copyOf(prompts), List.copyOf(ids), rewards, greedy);
  }

  /**
   * Evaluates a policy against the reference of a baseline.
   *
   * @param iteration the iteration recorded in the result
   * @param policy the policy
   * @param reference the reference the baseline was drawn from (the KL's second model)
   * @param baseline its baseline
   * @return the evaluation
   */
  public Evaluation evaluate(
      int iteration, LanguageModel policy, LanguageModel reference, Baseline baseline) {
    List<int[]> ids = repeat(baseline.ids());
    List<int[]> responses = draw(policy, ids, sampling());
    double[] rewards = score(baseline.prompts(), ids, responses);
    double wins = 0;
    for (int i = 0; i < rewards.length; i++) {
      double base = baseline.rewards()[i];
      wins += rewards[i] > base ? 1 : rewards[i] == base ? 0.5 : 0;
    }
    double[] greedy = greedyRewards(policy, baseline.prompts(), baseline.ids(), rewards);
    // At the KL temperature the evaluation responses are already samples of the policy.
    List<int[]> samples =
        settings.temperature() == settings.klTemperature()
            ? responses
            : lm.generate(
                List.of(policy),
                new double[] {1},
                repeat(baseline.ids(), settings.samples()),
                generation(settings.klTemperature(), OnlineDpoLoop.mix(settings.seed(), 7)));
    List<int[]> sampleIds =
        settings.temperature() == settings.klTemperature()
            ? ids
            : repeat(baseline.ids(), settings.samples());
    double kl = mean(policy.sequenceKl(reference, sampleIds, samples));
    return new Evaluation(
        iteration, mean(rewards), mean(greedy), wins / rewards.length, Math.max(0, kl));
  }

  /** Greedy rewards; the evaluation rewards themselves when the evaluation is greedy. */
  private double[] greedyRewards(
      LanguageModel model, List<String> prompts, List<int[]> ids, double[] evalRewards) {
    if (settings.temperature() == 0) {
      return evalRewards;
    }
    return score(
        prompts,
        ids,
        draw(
            model,
            ids,
            GenerationConfig.greedy(settings.maxNewTokens(), eos()).withTokens(tokenizer)));
  }

  private GenerationConfig sampling() {
    // The same seed for every model: policies and the reference draw with common random numbers.
    return settings.temperature() == 0
        ? GenerationConfig.greedy(settings.maxNewTokens(), eos()).withTokens(tokenizer)
        : generation(settings.temperature(), OnlineDpoLoop.mix(settings.seed(), 6));
  }

  private GenerationConfig generation(double temperature, long seed) {
    return GenerationConfig.sampling(settings.maxNewTokens(), temperature, eos(), seed)
        .withTokens(tokenizer);
  }

  private int eos() {
    return tokenizer.endOfSequence();
  }

  private List<int[]> draw(LanguageModel model, List<int[]> ids, GenerationConfig g) {
    return lm.generate(List.of(model), new double[] {1}, ids, g);
  }

  /** The prompts' ids once per draw, draw-major; each copy gets its own random stream. */
  private List<int[]> repeat(List<int[]> ids) {
    return repeat(ids, settings.draws());
  }

  private static List<int[]> repeat(List<int[]> ids, int times) {
    List<int[]> out = new ArrayList<>(ids.size() * times);
    for (int d = 0; d < times; d++) {
      out.addAll(ids);
    }
    return out;
  }

  private double[] score(List<String> prompts, List<int[]> ids, List<int[]> responses) {
    List<String> texts = new ArrayList<>(responses.size());
    List<String> promptTexts = new ArrayList<>(responses.size());
    for (int i = 0; i < responses.size(); i++) {
      promptTexts.add(prompts.get(i % prompts.size()));
      texts.add(tokenizer.decode(responses.get(i)));
    }
    return oracle.score(promptTexts, texts);
  }

  private static double mean(double[] x) {
    double sum = 0;
    for (double v : x) {
      sum += v;
    }
    return x.length == 0 ? 0 : sum / x.length;
  }
}
