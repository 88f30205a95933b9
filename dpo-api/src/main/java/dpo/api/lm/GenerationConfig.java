package dpo.api.lm;

import dpo.api.ConfigurationException;
import dpo.api.ConfigurationException.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * How to draw responses.
 *
 * @param maxNewTokens most tokens generated per response (the end-of-sequence token included)
 * @param temperature divides the (mixed) logits; 0 means greedy decoding
 * @param topK keep only the k most likely tokens; 0 keeps all
 * @param topP keep the smallest set of most likely tokens with probability at least p (nucleus
 *     sampling); 1 keeps all
 * @param endOfSequence token that ends a response, or -1 to always generate {@code maxNewTokens}
 * @param seed seed of the draws; the same seed, models and prompts give the same responses
 * @param suppressed token ids never generated (their probability is set to 0 before greedy decoding
 *     or sampling), for example the unknown and padding tokens ({@link
 *     Tokenizer#neverGenerated()}); sorted, without duplicates, never the end-of-sequence token
 * @param rowSeeds empty, or one seed per prompt: prompt i then draws from its own stream seeded by
 *     {@code rowSeeds.get(i)}, so that its response depends only on its seed, never on which
 *     prompts share its batch or its place there (empty: the streams are split from {@code seed} in
 *     prompt order)
 * @param alsoEnding other tokens that end a response as {@code endOfSequence} does (a checkpoint
 *     may list several, {@link Tokenizer#alsoEnding()}); sorted, without duplicates, never
 *     suppressed
 */
public record GenerationConfig(
    int maxNewTokens,
    double temperature,
    int topK,
    double topP,
    int endOfSequence,
    long seed,
    List<Integer> suppressed,
    List<Long> rowSeeds,
    List<Integer> alsoEnding) {

  /**
   * Validates the settings.
   *
   * @param maxNewTokens most tokens generated per response (the end-of-sequence token included)
   * @param temperature divides the (mixed) logits; 0 means greedy decoding
   * @param topK keep only the k most likely tokens; 0 keeps all
   * @param topP keep the smallest set of most likely tokens with probability at least p (nucleus
   *     sampling); 1 keeps all
   * @param endOfSequence token that ends a response, or -1 to always generate {@code maxNewTokens}
   * @param seed seed of the draws; the same seed, models and prompts give the same responses
   * @param suppressed token ids never generated; sorted and deduplicated here
   * @param rowSeeds empty, or one seed per prompt of the call
   * @param alsoEnding other end tokens; sorted and deduplicated here, the end-of-sequence token
   *     dropped
   */
  public GenerationConfig {
    rowSeeds = List.copyOf(rowSeeds);
    TreeSet<Integer> ends = new TreeSet<>(alsoEnding);
    ends.remove(endOfSequence);
    alsoEnding = List.copyOf(ends);
    Setting.MAX_NEW_TOKENS.require("maxNewTokens", maxNewTokens);
    Setting.TEMPERATURE.require("temperature", temperature);
    Setting.TOP_K.require("topK", topK);
    Setting.TOP_P.require("topP", topP);
    if (endOfSequence < -1) {
      throw new ConfigurationException(
          "endOfSequence", "endOfSequence must be a token id or -1 (none), got " + endOfSequence);
    }
    suppressed = List.copyOf(new TreeSet<>(suppressed));
    for (int id : alsoEnding) {
      if (id < 0 || suppressed.contains(id)) {
        throw new ConfigurationException(
            "alsoEnding", "end tokens must be token ids that are not suppressed, got " + id);
      }
    }
    for (int id : suppressed) {
      if (id < 0 || id == endOfSequence) {
        throw new ConfigurationException(
            "suppressed",
            "suppressed tokens must be token ids other than the end-of-sequence token "
                + endOfSequence
                + ", got "
                + id);
      }
    }
  }

  /**
   * The rule each value of a generation setting obeys, stated once for every caller: this record,
   * and the commands and configurations that take the setting under their own name (an option such
   * as {@code --top-p}, a configuration field such as {@code evalTemperature}, a key of a
   * checkpoint's {@code generation_config.json}) and must report a bad value under that name.
   */
  public enum Setting {
    /** Most tokens generated per response. */
    MAX_NEW_TOKENS("a whole number >= 1"),
    /** A temperature where 0 means greedy decoding. */
    TEMPERATURE("a finite number >= 0 (0: greedy)"),
    /** The temperature of draws that must sample (never greedy). */
    SAMPLING_TEMPERATURE("a finite number > 0"),
    /** Top-k truncation. */
    TOP_K("a whole number >= 0 (0: off)"),
    /** Top-p (nucleus) truncation. */
    TOP_P("a number in (0, 1] (1: off)");

    private final String rule;

    Setting(String rule) {
      this.rule = rule;
    }

    /**
     * Whether a value obeys the rule.
     *
     * @param value the value (a whole-number setting's as a double, as JSON gives it)
     * @return true if it is allowed
     */
    public boolean accepts(double value) {
      return switch (this) {
        case MAX_NEW_TOKENS -> whole(value) && value >= 1;
        case TEMPERATURE -> value >= 0 && value < Double.POSITIVE_INFINITY;
        case SAMPLING_TEMPERATURE -> value > 0 && value < Double.POSITIVE_INFINITY;
        case TOP_K -> whole(value) && value >= 0;
        case TOP_P -> value > 0 && value <= 1;
      };
    }

    /**
     * The refusal of a value, without the setting's name.
     *
     * @param value the refused value
     * @return for example {@code must be a number in (0, 1] (1: off), got 1.5}
     */
    public String refusal(double value) {
      String shown = whole(value) ? Long.toString((long) value) : Double.toString(value);
      return "must be " + rule + ", got " + shown;
    }

    /**
     * The refusal of a value under the name the caller knows the setting by.
     *
     * @param name the option, field or key
     * @param value the refused value
     * @return for example {@code --top-p must be a number in (0, 1] (1: off), got 1.5}
     */
    public String violation(String name, double value) {
      return name + " " + refusal(value);
    }

    /**
     * Refuses a value that breaks the rule.
     *
     * @param field the configuration field, named in the exception
     * @param value the value
     * @throws ConfigurationException naming the field, if the value breaks the rule
     */
    public void require(String field, double value) {
      if (!accepts(value)) {
        throw new ConfigurationException(field, violation(field, value));
      }
    }

    /**
     * Adds the refusal of a value that breaks the rule to a list, for validations that report every
     * bad field at once.
     *
     * @param field the configuration field
     * @param value the value
     * @param violations where a refusal is added
     */
    public void check(String field, double value, List<Violation> violations) {
      if (!accepts(value)) {
        violations.add(new Violation(field, violation(field, value)));
      }
    }

    private static boolean whole(double x) {
      return x == Math.rint(x) && Math.abs(x) <= Integer.MAX_VALUE;
    }
  }

  /**
   * Settings whose responses end only at {@code endOfSequence}.
   *
   * @param maxNewTokens most tokens generated per response (the end-of-sequence token included)
   * @param temperature divides the (mixed) logits; 0 means greedy decoding
   * @param topK keep only the k most likely tokens; 0 keeps all
   * @param topP keep the smallest set of most likely tokens with probability at least p; 1 keeps
   *     all
   * @param endOfSequence token that ends a response, or -1 to always generate {@code maxNewTokens}
   * @param seed seed of the draws
   * @param suppressed token ids never generated
   * @param rowSeeds empty, or one seed per prompt of the call
   */
  public GenerationConfig(
      int maxNewTokens,
      double temperature,
      int topK,
      double topP,
      int endOfSequence,
      long seed,
      List<Integer> suppressed,
      List<Long> rowSeeds) {
    this(
        maxNewTokens,
        temperature,
        topK,
        topP,
        endOfSequence,
        seed,
        suppressed,
        rowSeeds,
        List.of());
  }

  /**
   * Settings whose prompts draw from streams split from the seed in prompt order.
   *
   * @param maxNewTokens most tokens generated per response (the end-of-sequence token included)
   * @param temperature divides the (mixed) logits; 0 means greedy decoding
   * @param topK keep only the k most likely tokens; 0 keeps all
   * @param topP keep the smallest set of most likely tokens with probability at least p; 1 keeps
   *     all
   * @param endOfSequence token that ends a response, or -1 to always generate {@code maxNewTokens}
   * @param seed seed of the draws
   * @param suppressed token ids never generated
   */
  public GenerationConfig(
      int maxNewTokens,
      double temperature,
      int topK,
      double topP,
      int endOfSequence,
      long seed,
      List<Integer> suppressed) {
    this(maxNewTokens, temperature, topK, topP, endOfSequence, seed, suppressed, List.of());
  }

  /**
   * Settings that suppress no token.
   *
   * @param maxNewTokens most tokens generated per response (the end-of-sequence token included)
   * @param temperature divides the (mixed) logits; 0 means greedy decoding
   * @param topK keep only the k most likely tokens; 0 keeps all
   * @param topP keep the smallest set of most likely tokens with probability at least p; 1 keeps
   *     all
   * @param endOfSequence token that ends a response, or -1 to always generate {@code maxNewTokens}
   * @param seed seed of the draws
   */
  public GenerationConfig(
      int maxNewTokens, double temperature, int topK, double topP, int endOfSequence, long seed) {
    this(maxNewTokens, temperature, topK, topP, endOfSequence, seed, List.of());
  }

  /**
   * These settings, never generating the given tokens (besides those already suppressed).
   *
   * @param ids token ids; the end-of-sequence token is not allowed
   * @return the copy
   */
  public GenerationConfig suppressing(int... ids) {
    List<Integer> all = new ArrayList<>(suppressed);
    for (int id : ids) {
      all.add(id);
    }
    return new GenerationConfig(
        maxNewTokens, temperature, topK, topP, endOfSequence, seed, all, rowSeeds, alsoEnding);
  }

  /**
   * These settings with one seed per prompt: prompt i draws from a stream seeded by {@code
   * seeds[i]} alone, so that generating a batch gives each prompt what generating it alone with its
   * seed gives, token for token; a call must then pass exactly {@code seeds.length} prompts.
   *
   * @param seeds one seed per prompt of the call
   * @return the copy
   */
  public GenerationConfig withRowSeeds(long... seeds) {
    List<Long> rows = new ArrayList<>(seeds.length);
    for (long s : seeds) {
      rows.add(s);
    }
    return new GenerationConfig(
        maxNewTokens, temperature, topK, topP, endOfSequence, seed, suppressed, rows, alsoEnding);
  }

  /**
   * These settings with a tokenizer's rules: its other end tokens end a response too, and its
   * {@link Tokenizer#neverGenerated()} tokens are suppressed, except any of them that ends a
   * response (a padding token that is also an end token, as in Qwen2.5's checkpoints, ends it).
   *
   * @param tokenizer the models' tokenizer
   * @return the copy
   */
  public GenerationConfig withTokens(Tokenizer tokenizer) {
    List<Integer> ends = new ArrayList<>(alsoEnding);
    for (int id : tokenizer.alsoEnding()) {
      ends.add(id);
    }
    List<Integer> never = new ArrayList<>(suppressed);
    for (int id : tokenizer.neverGenerated()) {
      if (id != endOfSequence && !ends.contains(id)) {
        never.add(id);
      }
    }
    return new GenerationConfig(
        maxNewTokens, temperature, topK, topP, endOfSequence, seed, never, rowSeeds, ends);
  }

  /**
   * Whether a token ends a response.
   *
   * @param token a token id
   * @return true for the end-of-sequence token and the other end tokens
   */
  public boolean ends(int token) {
    return token == endOfSequence || alsoEnding.contains(token);
  }

  /**
   * Sampling at a temperature with no truncation.
   *
   * @param maxNewTokens most tokens per response
   * @param temperature temperature, > 0
   * @param endOfSequence end token or -1
   * @param seed seed of the draws
   * @return the config
   */
  public static GenerationConfig sampling(
      int maxNewTokens, double temperature, int endOfSequence, long seed) {
    return new GenerationConfig(maxNewTokens, temperature, 0, 1.0, endOfSequence, seed);
  }

  /**
   * Greedy decoding.
   *
   * @param maxNewTokens most tokens per response
   * @param endOfSequence end token or -1
   * @return the config
   */
  public static GenerationConfig greedy(int maxNewTokens, int endOfSequence) {
    return new GenerationConfig(maxNewTokens, 0, 0, 1.0, endOfSequence, 0);
  }

  /**
   * Whether decoding takes the most likely token.
   *
   * @return true when the temperature is 0
   */
  public boolean isGreedy() {
    return temperature == 0;
  }
}
