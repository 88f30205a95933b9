package dpo.api.data;

import java.util.Objects;

/**
 * A row that holds only a prompt, as in the prompt sets online DPO generates responses for.
 *
 * @param prompt the prompt
 */
public record PromptRecord(Content prompt) implements DataRecord {
  /**
   * Validates the row.
   *
   * @param prompt the prompt
   */
  public PromptRecord {
    Objects.requireNonNull(prompt, "prompt");
  }

  @Override
  public PromptRecord withPrompt(Content prompt) {
    return new PromptRecord(prompt);
  }
}
