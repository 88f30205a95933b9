package dpo.api.data;

import java.util.List;
import java.util.Objects;

/**
 * Responses sampled for one prompt and, once scored, their rewards: the {@code {"prompt",
 * "responses", "rewards"}} records of the RLHFlow online-DPO recipe.
 *
 * @param prompt the prompt
 * @param responses at least one response
 * @param rewards empty before scoring, else one finite reward per response, in the same order
 */
public record GenerationRecord(Content prompt, List<String> responses, List<Double> rewards)
    implements DataRecord {
  /**
   * Validates the record.
   *
   * @param prompt the prompt
   * @param responses at least one response
   * @param rewards empty before scoring, else one finite reward per response, in the same order
   */
  public GenerationRecord {
    Objects.requireNonNull(prompt, "prompt");
    responses = List.copyOf(responses);
    rewards = List.copyOf(rewards);
    if (responses.isEmpty()) {
      throw new IllegalArgumentException("responses must hold at least one response, got none");
    }
    if (!rewards.isEmpty() && rewards.size() != responses.size()) {
      throw new IllegalArgumentException(
          "rewards must be empty or hold one reward per response: got "
              + rewards.size()
              + " rewards for "
              + responses.size()
              + " responses");
    }
    for (int i = 0; i < rewards.size(); i++) {
      if (!Double.isFinite(rewards.get(i))) {
        throw new IllegalArgumentException(
            "rewards[" + i + "] must be finite, got " + rewards.get(i));
      }
    }
  }

  /**
   * Responses that are not scored yet.
   *
   * @param prompt the prompt
   * @param responses at least one response
   * @return the record
   */
  public static GenerationRecord of(Content prompt, List<String> responses) {
    return new GenerationRecord(prompt, responses, List.of());
  }

  /**
   * Whether the responses are scored.
   *
   * @return true if there is one reward per response
   */
  public boolean hasRewards() {
    return !rewards.isEmpty();
  }

  /**
   * A copy with rewards.
   *
   * @param rewards one finite reward per response
   * @return the copy
   */
  public GenerationRecord withRewards(List<Double> rewards) {
    return new GenerationRecord(prompt, responses, rewards);
  }

  @Override
  public GenerationRecord withPrompt(Content prompt) {
    return new GenerationRecord(prompt, responses, rewards);
  }
}
