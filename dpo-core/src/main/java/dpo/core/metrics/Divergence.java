package dpo.core.metrics;

import dpo.api.TrainingDivergedException;

/**
 * The one test of divergence for training losses: a loss that is not finite, or that grew {@value
 * #FACTOR}-fold over the first step's, diverged (a loss that climbs by orders of magnitude diverges
 * as surely as one that overflows).
 */
public final class Divergence {
  /** How many times the first step's loss a loss may reach before training counts as diverged. */
  public static final double FACTOR = 1e3;

  /** Losses below this count as this for the growth test, so a first loss near 0 is no trap. */
  static final double FLOOR = 1e-3;

  private Divergence() {}

  /**
   * Fails if a loss diverged.
   *
   * @param what the loss, e.g. "the DPO loss"
   * @param loss the current step's loss
   * @param firstLoss the first step's loss
   * @param where where training is, e.g. "iteration 2, step 17"
   * @throws TrainingDivergedException naming the loss, where, and the first loss if it grew
   */
  public static void check(String what, double loss, double firstLoss, String where) {
    boolean grew = loss > FACTOR * Math.max(firstLoss, FLOOR);
    if (!Double.isFinite(loss) || grew) {
      throw new TrainingDivergedException(
          what
              + " became "
              + loss
              + " at "
              + where
              + (grew ? " (it was " + firstLoss + " at the first step)" : ""));
    }
  }
}
