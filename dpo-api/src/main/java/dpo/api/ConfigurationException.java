package dpo.api;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A configuration is invalid. Carries every violation found, each naming its field, so that a user
 * fixes them all in one go and a command line can name the option behind the field.
 */
public class ConfigurationException extends DpoException {
  private static final long serialVersionUID = 1L;

  /**
   * One invalid field.
   *
   * @param field the config field (also the name of its command-line option)
   * @param message what is wrong and how to fix it, e.g. "beta must be > 0, got -0.1"
   */
  public record Violation(String field, String message) {
    /**
     * Validates the components.
     *
     * @param field the config field (also the name of its command-line option)
     * @param message what is wrong and how to fix it, e.g. "beta must be > 0, got -0.1"
     */
    public Violation {
      if (field == null || field.isBlank() || message == null || message.isBlank()) {
        throw new IllegalArgumentException("a violation needs a field and a message");
      }
    }
  }

  /** Every violation found, in the order they were found. */
  private final List<Violation> violations;

  /**
   * Creates an exception for the given violations.
   *
   * @param violations at least one violation
   */
  public ConfigurationException(List<Violation> violations) {
    super(violations.stream().map(Violation::message).collect(Collectors.joining("; ")));
    if (violations.isEmpty()) {
      throw new IllegalArgumentException("a ConfigurationException needs at least one violation");
    }
    this.violations = List.copyOf(violations);
  }

  /**
   * Creates an exception for a single field.
   *
   * @param field the config field
   * @param message what is wrong and how to fix it
   */
  public ConfigurationException(String field, String message) {
    this(List.of(new Violation(field, message)));
  }

  /**
   * The violations, in the order they were found.
   *
   * @return an unmodifiable list with at least one element
   */
  public List<Violation> violations() {
    return violations;
  }
}
