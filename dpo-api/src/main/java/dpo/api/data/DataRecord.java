package dpo.api.data;

/**
 * One row of a dataset, whatever its format: every row has a prompt, so prompt templates and
 * filters apply to all of them.
 */
public sealed interface DataRecord
    permits PromptRecord, PreferencePair, GenerationRecord, SafeRlhfRow {
  /**
   * The prompt of this row.
   *
   * @return the prompt
   */
  Content prompt();

  /**
   * A copy of this row with another prompt, e.g. after a template was applied.
   *
   * @param prompt the new prompt
   * @return the copy
   */
  DataRecord withPrompt(Content prompt);
}
