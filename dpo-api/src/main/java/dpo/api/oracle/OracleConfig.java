package dpo.api.oracle;

import dpo.api.ConfigurationException;
import dpo.api.ConfigurationException.Violation;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The settings of a reward oracle: a seed for oracles that draw random numbers, and options by name
 * that each oracle defines and validates (the command oracle's {@code command}, {@code timeout},
 * {@code batch}; the synthetic oracle's {@code task}). An oracle rejects options it does not know,
 * so that a misspelt name fails instead of being ignored.
 *
 * @param seed the seed for any randomness inside the oracle (a deterministic oracle ignores it)
 * @param options oracle-specific settings by name, as text
 */
public record OracleConfig(long seed, Map<String, String> options) {

  /**
   * Validates the option names and copies the options.
   *
   * @param seed the seed for any randomness inside the oracle (a deterministic oracle ignores it)
   * @param options oracle-specific settings by name, as text
   */
  public OracleConfig {
    for (String name : options.keySet()) {
      if (name == null || name.isBlank()) {
        throw new ConfigurationException(
            "options", "oracle option names must not be blank, got '" + name + "'");
      }
    }
    options = Map.copyOf(options);
  }

  /**
   * A config with seed 0.
   *
   * @param options the oracle's options
   * @return the config
   */
  public static OracleConfig of(Map<String, String> options) {
    return new OracleConfig(0, options);
  }

  /**
   * This config with one more option, replacing any of the same name.
   *
   * @param name the option name
   * @param value its value
   * @return a copy
   */
  public OracleConfig withOption(String name, String value) {
    Map<String, String> copy = new HashMap<>(options);
    copy.put(name, value);
    return new OracleConfig(seed, copy);
  }

  /**
   * Rejects options the oracle does not define, naming every unknown one and listing the known.
   *
   * @param oracleId the oracle's provider id, for the message
   * @param known the option names the oracle understands
   * @throws ConfigurationException with one violation per unknown option
   */
  public void requireKnownOptions(String oracleId, Collection<String> known) {
    List<Violation> unknown = new ArrayList<>();
    String list = known.isEmpty() ? "(none)" : String.join(", ", new TreeSet<>(known));
    for (String name : new TreeSet<>(options.keySet())) {
      if (!known.contains(name)) {
        unknown.add(
            new Violation(
                name,
                "unknown option '"
                    + name
                    + "' for oracle "
                    + oracleId
                    + "; known options: "
                    + list));
      }
    }
    if (!unknown.isEmpty()) {
      throw new ConfigurationException(unknown);
    }
  }

  /**
   * An option's value.
   *
   * @param name the option name
   * @return the value, if the option is set
   */
  public Optional<String> option(String name) {
    return Optional.ofNullable(options.get(name));
  }

  /**
   * An option that must be set.
   *
   * @param name the option name
   * @param example an example value, for the message
   * @return its value, not blank
   * @throws ConfigurationException if it is missing or blank
   */
  public String requiredOption(String name, String example) {
    String value = options.get(name);
    if (value == null || value.isBlank()) {
      throw new ConfigurationException(
          name, "option '" + name + "' is required, e.g. " + name + "=" + example);
    }
    return value;
  }

  /**
   * An option holding a finite number > 0.
   *
   * @param name the option name
   * @param fallback the value when the option is not set
   * @return the value
   * @throws ConfigurationException if the option is set but is not a finite number > 0
   */
  public double positiveNumber(String name, double fallback) {
    String text = options.get(name);
    if (text == null) {
      return fallback;
    }
    double value;
    try {
      value = Double.parseDouble(text.strip());
    } catch (NumberFormatException e) {
      value = Double.NaN;
    }
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new ConfigurationException(
          name, "option '" + name + "' must be a finite number > 0, got '" + text + "'");
    }
    return value;
  }

  /**
   * An option holding a whole number >= 1.
   *
   * @param name the option name
   * @param fallback the value when the option is not set
   * @return the value
   * @throws ConfigurationException if the option is set but is not an integer >= 1
   */
  public int positiveInt(String name, int fallback) {
    String text = options.get(name);
    if (text == null) {
      return fallback;
    }
    int value;
    try {
      value = Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      value = 0;
    }
    if (value < 1) {
      throw new ConfigurationException(
          name,
          "option '"
              + name
              + "' must be a whole number >= 1 (at most "
              + Integer.MAX_VALUE
              + "), got '"
              + text
              + "'");
    }
    return value;
  }
}
