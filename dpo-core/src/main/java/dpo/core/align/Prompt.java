package dpo.core.align;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * A prompt of {@code align} or {@code eval} in its two renderings. A plain prompt is one text. A
 * conversation is read differently by the two sides: the policy reads it as it was fine-tuned on
 * conversations (for a model trained by {@code dpo lm train}, {@code role: content} lines ending
 * with {@code assistant:}), the oracle as the preference data of a learned reward model renders it
 * ({@code role: content} lines, or the content alone for a single message).
 *
 * @param text what the oracle reads and the results record
 * @param modelText what the policy and the reference are given to continue
 */
public record Prompt(String text, String modelText) implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Checks the parts.
   *
   * @param text what the oracle reads and the results record
   * @param modelText what the policy and the reference are given to continue
   */
  public Prompt {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(modelText, "modelText");
  }

  /**
   * A plain prompt, the same text for the models and the oracle.
   *
   * @param text the prompt
   * @return the prompt
   */
  public static Prompt of(String text) {
    return new Prompt(text, text);
  }

  /**
   * Plain prompts.
   *
   * @param texts the prompts
   * @return one prompt per text, in order
   */
  public static List<Prompt> of(List<String> texts) {
    return texts.stream().map(Prompt::of).toList();
  }

  /**
   * The oracle's texts of prompts.
   *
   * @param prompts the prompts
   * @return their {@link #text()}s, in order
   */
  public static List<String> texts(List<Prompt> prompts) {
    return prompts.stream().map(Prompt::text).toList();
  }
}
