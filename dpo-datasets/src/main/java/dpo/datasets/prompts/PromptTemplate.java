package dpo.datasets.prompts;

import dpo.api.data.Content;
import dpo.api.data.DataRecord;
import java.util.Objects;

/**
 * A text that wraps a prompt: every {@value #PLACEHOLDER} in it is replaced by the prompt. The
 * paper's two templates are built in; any other text with the placeholder works too.
 *
 * <p>Applied to a conversation, a template wraps the conversation's plain-text rendering ({@link
 * Content#text()}), which for a single user message is that message's content, as in the paper's
 * use of RLHFlow's {@code context_messages}. The result is plain text.
 *
 * @param name how the template is named on the command line, e.g. {@code safe-rlhf}
 * @param text the template, containing {@value #PLACEHOLDER} at least once
 */
public record PromptTemplate(String name, String text) {
  /** Where the prompt goes. */
  public static final String PLACEHOLDER = "{prompt}";

  /** Safe-RLHF's template, used with the PKU-SafeRLHF prompts. */
  public static final PromptTemplate SAFE_RLHF =
      new PromptTemplate("safe-rlhf", "BEGINNING OF CONVERSATION: USER: {prompt} ASSISTANT:");

  /** Alpaca's template without input, used with the RLHFlow iterative prompts. */
  public static final PromptTemplate ALPACA =
      new PromptTemplate(
          "alpaca",
          "Below is an instruction that describes a task. Write a response that appropriately"
              + " completes the request.\n\n### Instruction:\n{prompt}\n\n### Response:\n");

  /**
   * Validates the template.
   *
   * @param name how the template is named on the command line, e.g. {@code safe-rlhf}
   * @param text the template, containing {@value #PLACEHOLDER} at least once
   */
  public PromptTemplate {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(text, "text");
    if (!text.contains(PLACEHOLDER)) {
      throw new IllegalArgumentException(
          "a prompt template must contain "
              + PLACEHOLDER
              + " where the prompt goes, got \""
              + text
              + "\"; e.g. \"Question: {prompt}\\nAnswer:\"");
    }
  }

  /**
   * A built-in template by name, or a user-defined template.
   *
   * @param spec {@code safe-rlhf}, {@code alpaca}, or a text containing {@value #PLACEHOLDER}
   * @return the template
   * @throws IllegalArgumentException if {@code spec} is neither
   */
  public static PromptTemplate parse(String spec) {
    Objects.requireNonNull(spec, "spec");
    if (spec.equals(SAFE_RLHF.name)) {
      return SAFE_RLHF;
    }
    if (spec.equals(ALPACA.name)) {
      return ALPACA;
    }
    if (!spec.contains(PLACEHOLDER)) {
      throw new IllegalArgumentException(
          "unknown template '"
              + spec
              + "'; use safe-rlhf, alpaca, or a text containing "
              + PLACEHOLDER
              + " where the prompt goes");
    }
    return new PromptTemplate("custom", spec);
  }

  /**
   * Wraps a prompt. The prompt is inserted literally, even if it contains the placeholder itself.
   *
   * @param prompt the prompt
   * @return the wrapped prompt
   */
  public String apply(String prompt) {
    Objects.requireNonNull(prompt, "prompt");
    StringBuilder sb = new StringBuilder(text.length() + prompt.length());
    int from = 0;
    for (int at = text.indexOf(PLACEHOLDER); at >= 0; at = text.indexOf(PLACEHOLDER, from)) {
      sb.append(text, from, at).append(prompt);
      from = at + PLACEHOLDER.length();
    }
    return sb.append(text, from, text.length()).toString();
  }

  /**
   * Wraps a prompt's plain text.
   *
   * @param prompt the prompt
   * @return the wrapped prompt, as plain text
   */
  public Content apply(Content prompt) {
    return Content.of(apply(prompt.text()));
  }

  /**
   * Wraps the prompt of a record.
   *
   * @param record the record
   * @return a copy with the wrapped prompt
   */
  public DataRecord apply(DataRecord record) {
    return record.withPrompt(apply(record.prompt()));
  }
}
