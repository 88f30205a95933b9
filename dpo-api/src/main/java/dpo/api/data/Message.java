package dpo.api.data;

import java.util.Objects;

/**
 * One turn of a chat conversation, as in the {@code [{"role": ..., "content": ...}]} lists of TRL
 * and Hugging Face chat datasets.
 *
 * @param role who speaks, e.g. {@code "system"}, {@code "user"} or {@code "assistant"}; not blank
 * @param content what is said; may be empty
 */
public record Message(String role, String content) {
  /**
   * Validates the message.
   *
   * @param role who speaks, e.g. {@code "system"}, {@code "user"} or {@code "assistant"}; not blank
   * @param content what is said; may be empty
   */
  public Message {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(content, "content");
    if (role.isBlank()) {
      throw new IllegalArgumentException(
          "role must name the speaker, e.g. \"user\" or \"assistant\", got \"" + role + "\"");
    }
  }

  /**
   * A message from the user.
   *
   * @param content what the user says
   * @return the message
   */
  public static Message user(String content) {
    return new Message("user", content);
  }

  /**
   * A message from the assistant.
   *
   * @param content what the assistant says
   * @return the message
   */
  public static Message assistant(String content) {
    return new Message("assistant", content);
  }
}
