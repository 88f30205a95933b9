package dpo.api;

/**
 * Root of the framework's exceptions. Messages say what failed, the offending value, and the fix.
 */
public class DpoException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message.
   *
   * @param message what failed, the bad value and the fix
   */
  public DpoException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and a cause.
   *
   * @param message what failed, the bad value and the fix
   * @param cause the underlying failure
   */
  public DpoException(String message, Throwable cause) {
    super(message, cause);
  }
}
