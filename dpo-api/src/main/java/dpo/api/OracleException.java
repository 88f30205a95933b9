package dpo.api;

/**
 * A reward oracle failed while scoring: its process died, answered badly or too slowly, or its
 * model could not be evaluated. Oracles may subclass it for their own failures. Invalid oracle
 * settings are a {@link ConfigurationException} instead.
 */
public class OracleException extends DpoException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed and how to fix it
   */
  public OracleException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what failed and how to fix it
   * @param cause the underlying failure
   */
  public OracleException(String message, Throwable cause) {
    super(message, cause);
  }
}
