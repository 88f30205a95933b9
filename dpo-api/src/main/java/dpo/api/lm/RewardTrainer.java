package dpo.api.lm;

/**
 * Fits a {@link RewardModel} to preference pairs with the Bradley-Terry loss {@code -p log
 * sigma(r_chosen - r_rejected) - (1 - p) log sigma(r_rejected - r_chosen)}, p being the pair's
 * label. Not thread-safe.
 */
public interface RewardTrainer extends AutoCloseable {

  /**
   * One optimizer step on a batch.
   *
   * @param batch pairs and labels
   * @return the batch's mean loss before the update
   */
  double step(PreferenceBatch batch);

  @Override
  void close();
}
