package dpo.api.lm;

import dpo.api.ConfigurationException;

/**
 * The frozen reference model's log-probabilities of a {@link PreferenceBatch}'s responses, computed
 * once ({@link LmTrainer#referenceLogProbs}) and reused by every step over the same pairs, so that
 * epochs over a round of pairs do not run the reference again.
 *
 * @param chosen log pi_ref(chosen | prompt) of each pair
 * @param rejected log pi_ref(rejected | prompt) of each pair
 */
public record ReferenceLogProbs(double[] chosen, double[] rejected) {
  /**
   * Validates and copies the arrays.
   *
   * @param chosen log pi_ref(chosen | prompt) of each pair
   * @param rejected log pi_ref(rejected | prompt) of each pair
   */
  public ReferenceLogProbs {
    chosen = chosen.clone();
    rejected = rejected.clone();
    if (chosen.length != rejected.length) {
      throw new ConfigurationException(
          "reference",
          "one chosen and one rejected log-probability per pair, got "
              + chosen.length
              + " and "
              + rejected.length);
    }
    for (int i = 0; i < chosen.length; i++) {
      if (Double.isNaN(chosen[i]) || Double.isNaN(rejected[i])) {
        throw new ConfigurationException(
            "reference", "the reference log-probabilities of pair " + i + " are not numbers");
      }
    }
  }

  /**
   * The log-probabilities of some pairs, in the order given.
   *
   * @param pairs indices of pairs
   * @return their log-probabilities
   */
  public ReferenceLogProbs select(int... pairs) {
    double[] c = new double[pairs.length];
    double[] r = new double[pairs.length];
    for (int i = 0; i < pairs.length; i++) {
      c[i] = chosen[pairs[i]];
      r[i] = rejected[pairs[i]];
    }
    return new ReferenceLogProbs(c, r);
  }

  /**
   * Number of pairs.
   *
   * @return the size
   */
  public int size() {
    return chosen.length;
  }
}
