package dpo.api;

/** Training produced a non-finite loss or parameter; usually the learning rate is too large. */
public class TrainingDivergedException extends DpoException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message where it diverged and what to try
   */
  public TrainingDivergedException(String message) {
    super(message);
  }
}
