package dpo.core.bandit;

import dpo.api.ConfigurationException;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.StepSize;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The options of the tabular study as {@code dpo bandit} spells them: their names (without the
 * dashes), defaults and the conversion of their text to a {@link BanditConfig}. One definition for
 * the command line ({@code dpo bandit}, whose converters and defaults are these) and for the cells
 * of a sweep ({@code dpo sweep}, whose grid keys are these names), so that a cell and the command
 * with the same options run the same study.
 */
public final class BanditOptions {
  /** Default of {@code --prompts}. */
  public static final String PROMPTS = "1";

  /** Default of {@code --responses}. */
  public static final String RESPONSES = "20";

  /** Default of {@code --beta}. */
  public static final String BETA = "3";

  /** Default of {@code --seed}. */
  public static final String SEED = "1234567";

  /** Default of {@code --samplers}. */
  public static final String SAMPLERS = "dpo-unif,dpo-mix-r,dpo-mix-p";

  /** Default of {@code --mode}. */
  public static final String MODE = "exact";

  /** Default of {@code --steps}. */
  public static final String STEPS = "100";

  /** Default of {@code --lr}. */
  public static final String LR = "10";

  /** Default of {@code --pairs}. */
  public static final String PAIRS = "8192";

  /** Default of {@code --objective}. */
  public static final String OBJECTIVE = "sigmoid";

  /** Default of {@code --threads}: the backend's own default. */
  public static final String THREADS = "0";

  /** Default of {@code --device}: the backend picks (a GPU when present, else the CPU). */
  public static final String DEVICE = BackendConfig.AUTO;

  /**
   * The options that set a study from text, in {@code dpo bandit}'s order; {@code backend} has no
   * default (the highest-priority backend that can run the mode).
   */
  public static final List<String> NAMES =
      List.of(
          "prompts",
          "responses",
          "beta",
          "seed",
          "samplers",
          "mode",
          "steps",
          "lr",
          "pairs",
          "objective",
          "backend",
          "threads",
          "device");

  private BanditOptions() {}

  /**
   * Parses {@code --lr}: a positive number or "newton".
   *
   * @param value the text
   * @return the step size
   * @throws IllegalArgumentException with what is expected, if the text is neither
   */
  public static StepSize stepSize(String value) {
    if (value.equalsIgnoreCase("newton")) {
      return StepSize.newton();
    }
    double eta;
    try {
      eta = Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected a number > 0 or 'newton', got '" + value + "'");
    }
    if (!(eta > 0) || Double.isInfinite(eta)) {
      throw new IllegalArgumentException(
          "the learning rate must be a finite number > 0 (or 'newton'), got '" + value + "'");
    }
    return StepSize.fixed(eta);
  }

  /**
   * Parses {@code --mode}, ignoring case.
   *
   * @param value the text
   * @return the mode
   * @throws IllegalArgumentException listing the choices, if the text is none of them
   */
  public static BanditConfig.Mode mode(String value) {
    for (BanditConfig.Mode m : BanditConfig.Mode.values()) {
      if (m.name().equalsIgnoreCase(value)) {
        return m;
      }
    }
    throw new IllegalArgumentException("expected 'exact' or 'empirical', got '" + value + "'");
  }

  /**
   * The study that options given as text ask for, the others at their defaults: what {@code dpo
   * bandit --NAME VALUE ...} runs with its N(0,1) rewards.
   *
   * @param options option name (one of {@link #NAMES}) to its text, e.g. {@code "lr" -> "newton"};
   *     {@code samplers} is a comma-separated list
   * @return the config
   * @throws ConfigurationException naming the option, for an unknown name or a bad value
   */
  public static BanditConfig config(Map<String, String> options) {
    for (String name : options.keySet()) {
      if (!NAMES.contains(name)) {
        throw new ConfigurationException(
            name, "unknown option '" + name + "'; the options are " + String.join(", ", NAMES));
      }
    }
    return new BanditConfig(
        integer(options, "prompts", PROMPTS),
        integer(options, "responses", RESPONSES),
        number(options, "beta", BETA),
        longInteger(options, "seed", SEED),
        Arrays.asList(text(options, "samplers", SAMPLERS).split(",", -1)),
        parsed(options, "mode", MODE, BanditOptions::mode),
        integer(options, "steps", STEPS),
        parsed(options, "lr", LR, BanditOptions::stepSize),
        integer(options, "pairs", PAIRS),
        text(options, "objective", OBJECTIVE),
        options.get("backend"),
        backendConfig(integer(options, "threads", THREADS), text(options, "device", DEVICE)));
  }

  /**
   * The backend settings of {@code --threads} and {@code --device}: the device reaches the backend
   * as its {@code device} option only when it is not {@value #DEVICE}, which every backend does by
   * default.
   *
   * @param threads the threads (0: the backend's default)
   * @param device {@code auto}, {@code cpu} or {@code gpu}
   * @return the settings
   * @throws ConfigurationException (field {@code device}) for any other device
   */
  public static BackendConfig backendConfig(int threads, String device) {
    BackendConfig.checkDevice(device);
    BackendConfig config = new BackendConfig(threads);
    return device.equals(DEVICE) ? config : config.withOption(BackendConfig.DEVICE, device);
  }

  private static String text(Map<String, String> options, String name, String fallback) {
    return options.getOrDefault(name, fallback);
  }

  private static <T> T parsed(
      Map<String, String> options,
      String name,
      String fallback,
      java.util.function.Function<String, T> parse) {
    try {
      return parse.apply(text(options, name, fallback).trim());
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(name, e.getMessage());
    }
  }

  private static int integer(Map<String, String> options, String name, String fallback) {
    return parsed(
            options, name, fallback, v -> wholeNumber(v, Integer.MIN_VALUE, Integer.MAX_VALUE))
        .intValue();
  }

  private static long longInteger(Map<String, String> options, String name, String fallback) {
    return parsed(options, name, fallback, v -> wholeNumber(v, Long.MIN_VALUE, Long.MAX_VALUE));
  }

  private static Long wholeNumber(String value, long min, long max) {
    long n;
    try {
      n = Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected a whole number, got '" + value + "'");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException("out of range: '" + value + "'");
    }
    return n;
  }

  private static double number(Map<String, String> options, String name, String fallback) {
    return parsed(
        options,
        name,
        fallback,
        v -> {
          try {
            return Double.parseDouble(v.toLowerCase(Locale.ROOT));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a number, got '" + v + "'");
          }
        });
  }
}
