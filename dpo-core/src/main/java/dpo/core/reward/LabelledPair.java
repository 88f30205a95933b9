package dpo.core.reward;

import java.util.Objects;

/**
 * A preference pair in text.
 *
 * @param prompt the prompt
 * @param chosen the first response
 * @param rejected the second response
 * @param label probability that {@code chosen} is preferred
 */
public record LabelledPair(String prompt, String chosen, String rejected, double label) {
  /**
   * Checks the texts and the label.
   *
   * @param prompt the prompt
   * @param chosen the first response
   * @param rejected the second response
   * @param label probability that {@code chosen} is preferred
   */
  public LabelledPair {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(chosen, "chosen");
    Objects.requireNonNull(rejected, "rejected");
    if (!(label >= 0 && label <= 1)) {
      throw new IllegalArgumentException("label must be in [0, 1], got " + label);
    }
  }
}
