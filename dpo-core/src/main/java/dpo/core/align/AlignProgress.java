package dpo.core.align;

/** Receives the loop's progress, for a progress bar. Called on the loop's thread. */
@FunctionalInterface
public interface AlignProgress {
  /** Reports nothing. */
  AlignProgress NONE = (iteration, stage, done, total) -> {};

  /**
   * Work done within an iteration's stage.
   *
   * @param iteration the iteration (1-based)
   * @param stage what is running: {@code generate}, {@code train} or {@code evaluate}
   * @param done units finished
   * @param total units in the stage
   */
  void update(int iteration, String stage, long done, long total);
}
