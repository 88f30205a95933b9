package dpo.api.data;

import java.util.Objects;
import java.util.OptionalDouble;

/**
 * A preferred and a dispreferred response to one prompt: a TRL preference row {@code {"prompt",
 * "chosen", "rejected"}}, optionally with the rewards that ranked the two and their margin.
 *
 * @param prompt the prompt
 * @param chosen the preferred response
 * @param rejected the dispreferred response
 * @param chosenReward the reward of {@code chosen}, if known; finite
 * @param rejectedReward the reward of {@code rejected}, if known; finite
 * @param margin how strongly {@code chosen} is preferred, if known; finite. Pairs made by {@link
 *     #withRewards(double, double)} use the reward difference.
 */
public record PreferencePair(
    Content prompt,
    Content chosen,
    Content rejected,
    OptionalDouble chosenReward,
    OptionalDouble rejectedReward,
    OptionalDouble margin)
    implements DataRecord {
  /**
   * Validates the pair.
   *
   * @param prompt the prompt
   * @param chosen the preferred response
   * @param rejected the dispreferred response
   * @param chosenReward the reward of {@code chosen}, if known; finite
   * @param rejectedReward the reward of {@code rejected}, if known; finite
   * @param margin how strongly {@code chosen} is preferred, if known; finite. Pairs made by {@link
   *     #withRewards(double, double)} use the reward difference.
   */
  public PreferencePair {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(chosen, "chosen");
    Objects.requireNonNull(rejected, "rejected");
    checkFinite("chosenReward", chosenReward);
    checkFinite("rejectedReward", rejectedReward);
    checkFinite("margin", margin);
  }

  /**
   * A pair without rewards or margin.
   *
   * @param prompt the prompt
   * @param chosen the preferred response
   * @param rejected the dispreferred response
   * @return the pair
   */
  public static PreferencePair of(Content prompt, Content chosen, Content rejected) {
    return new PreferencePair(
        prompt,
        chosen,
        rejected,
        OptionalDouble.empty(),
        OptionalDouble.empty(),
        OptionalDouble.empty());
  }

  /**
   * A copy with the rewards of both responses, and their difference as the margin.
   *
   * @param chosenReward the reward of the chosen response
   * @param rejectedReward the reward of the rejected response
   * @return the copy
   */
  public PreferencePair withRewards(double chosenReward, double rejectedReward) {
    return new PreferencePair(
        prompt,
        chosen,
        rejected,
        OptionalDouble.of(chosenReward),
        OptionalDouble.of(rejectedReward),
        OptionalDouble.of(chosenReward - rejectedReward));
  }

  /**
   * A copy with another margin.
   *
   * @param margin how strongly the chosen response is preferred
   * @return the copy
   */
  public PreferencePair withMargin(double margin) {
    return new PreferencePair(
        prompt, chosen, rejected, chosenReward, rejectedReward, OptionalDouble.of(margin));
  }

  @Override
  public PreferencePair withPrompt(Content prompt) {
    return new PreferencePair(prompt, chosen, rejected, chosenReward, rejectedReward, margin);
  }

  private static void checkFinite(String name, OptionalDouble value) {
    Objects.requireNonNull(value, name);
    if (value.isPresent() && !Double.isFinite(value.getAsDouble())) {
      throw new IllegalArgumentException(
          name + " must be finite, got " + value.getAsDouble() + "; leave it empty if unknown");
    }
  }
}
