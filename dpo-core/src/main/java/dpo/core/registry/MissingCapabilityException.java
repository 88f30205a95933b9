package dpo.core.registry;

import dpo.api.DpoException;
import java.util.List;

/**
 * A provider cannot do what a command asks of it: it lacks a capability. The message names the
 * providers that have the capability, so that the user can pick one.
 */
public final class MissingCapabilityException extends DpoException {
  private static final long serialVersionUID = 1L;

  /** The kind of provider (backend, sampler, ...). */
  private final String kind;

  /** The capability that was needed. */
  private final Enum<?> capability;

  /** The ids of the providers that have it, for the message. */
  private final List<String> able;

  /**
   * Creates the exception.
   *
   * @param kind the provider kind, e.g. "backend"
   * @param message what failed and which providers would do
   * @param capability the capability that is missing
   * @param able the ids of the providers that have it, sorted
   */
  MissingCapabilityException(String kind, String message, Enum<?> capability, List<String> able) {
    super(message);
    this.kind = kind;
    this.capability = capability;
    this.able = List.copyOf(able);
  }

  /**
   * The provider kind.
   *
   * @return e.g. "backend"
   */
  public String kind() {
    return kind;
  }

  /**
   * The capability that was needed.
   *
   * @return the capability
   */
  public Enum<?> capability() {
    return capability;
  }

  /**
   * The providers that have the capability.
   *
   * @return their ids, sorted; empty when none was found
   */
  public List<String> able() {
    return able;
  }
}
