package dpo.api.lm;

import dpo.api.ConfigurationException;
import java.util.List;

/**
 * Preference pairs for one training step, as token ids.
 *
 * @param prompts prompt of each pair
 * @param chosen first response of each pair
 * @param rejected second response of each pair
 * @param labels probability that {@code chosen} is preferred (1 for hard labels, a soft
 *     Bradley-Terry probability otherwise)
 */
public record PreferenceBatch(
    List<int[]> prompts, List<int[]> chosen, List<int[]> rejected, double[] labels) {

  /**
   * Validates sizes and labels; copies the lists.
   *
   * @param prompts prompt of each pair
   * @param chosen first response of each pair
   * @param rejected second response of each pair
   * @param labels probability that {@code chosen} is preferred (1 for hard labels, a soft
   *     Bradley-Terry probability otherwise)
   */
  public PreferenceBatch {
    prompts = List.copyOf(prompts);
    chosen = List.copyOf(chosen);
    rejected = List.copyOf(rejected);
    labels = labels.clone();
    int n = prompts.size();
    if (n == 0) {
      throw new ConfigurationException("prompts", "a preference batch needs at least one pair");
    }
    if (chosen.size() != n || rejected.size() != n || labels.length != n) {
      throw new ConfigurationException(
          "prompts",
          "prompts, chosen, rejected and labels must have one entry per pair, got "
              + n
              + ", "
              + chosen.size()
              + ", "
              + rejected.size()
              + ", "
              + labels.length);
    }
    for (int i = 0; i < n; i++) {
      if (!(labels[i] >= 0 && labels[i] <= 1)) {
        throw new ConfigurationException(
            "labels", "label " + i + " must be a probability in [0, 1], got " + labels[i]);
      }
    }
  }

  /**
   * Hard labels: every chosen response is preferred.
   *
   * @param prompts prompts
   * @param chosen preferred responses
   * @param rejected other responses
   * @return the batch
   */
  public static PreferenceBatch hard(
      List<int[]> prompts, List<int[]> chosen, List<int[]> rejected) {
    double[] ones = new double[prompts.size()];
    java.util.Arrays.fill(ones, 1.0);
    return new PreferenceBatch(prompts, chosen, rejected, ones);
  }

  /**
   * Number of pairs.
   *
   * @return the size
   */
  public int size() {
    return prompts.size();
  }
}
