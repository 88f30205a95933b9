package dpo.api;

/**
 * A policy backend failed or lacks a requested capability. Backends may subclass it for their own
 * failures.
 */
public class BackendException extends DpoException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed and how to fix it
   */
  public BackendException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what failed and how to fix it
   * @param cause the underlying failure
   */
  public BackendException(String message, Throwable cause) {
    super(message, cause);
  }
}
