package dpo.datasets.synthetic;

import java.util.Objects;

/**
 * A response to a prompt for supervised fine-tuning of the reference policy.
 *
 * @param prompt the prompt
 * @param response the response, words separated by single spaces
 * @param kind what sort of response it is, a task-specific kebab-case name such as {@code good},
 *     {@code off-topic}, {@code repetitive}, {@code unsafe} or {@code refusal}
 * @param good whether it is a response the task's reward ranks highly
 */
public record Demonstration(String prompt, String response, String kind, boolean good) {

  /**
   * Checks that the texts are present.
   *
   * @param prompt the prompt
   * @param response the response, words separated by single spaces
   * @param kind what sort of response it is, a task-specific kebab-case name such as {@code good},
   *     {@code off-topic}, {@code repetitive}, {@code unsafe} or {@code refusal}
   * @param good whether it is a response the task's reward ranks highly
   */
  public Demonstration {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(response, "response");
    Objects.requireNonNull(kind, "kind");
  }
}
