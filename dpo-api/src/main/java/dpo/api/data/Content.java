package dpo.api.data;

import java.util.List;
import java.util.Objects;

/**
 * What a prompt or a response says: plain text, or a conversation of chat {@link Message messages}.
 * Datasets use both forms (TRL calls them "standard" and "conversational"), so a record keeps the
 * messages it was given and also offers a plain-text rendering of them for code that needs a
 * string, such as prompt templates and length filters.
 *
 * <p>The rendering of a conversation is the content of its only message when it has one message,
 * which makes a single-turn prompt {@code [{"role": "user", "content": "Hi"}]} render as {@code
 * Hi}; otherwise it is one line {@code role: content} per message, joined by newlines.
 *
 * @param text the plain text; for a conversation, exactly {@link #render(List)} of its messages
 * @param messages the conversation, or an empty list for plain text
 */
public record Content(String text, List<Message> messages) {
  /**
   * Validates the content; a conversation's text must be its rendering.
   *
   * @param text the plain text; for a conversation, exactly {@link #render(List)} of its messages
   * @param messages the conversation, or an empty list for plain text
   */
  public Content {
    Objects.requireNonNull(text, "text");
    messages = List.copyOf(messages);
    if (!messages.isEmpty() && !text.equals(render(messages))) {
      throw new IllegalArgumentException(
          "text must be the rendering of the messages; create a conversation with"
              + " Content.of(messages)");
    }
  }

  /**
   * Plain text.
   *
   * @param text the text
   * @return the content
   */
  public static Content of(String text) {
    return new Content(text, List.of());
  }

  /**
   * A conversation.
   *
   * @param messages at least one message
   * @return the content, whose {@link #text()} is the rendering of the messages
   * @throws IllegalArgumentException if {@code messages} is empty
   */
  public static Content of(List<Message> messages) {
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("a conversation needs at least one message");
    }
    return new Content(render(messages), messages);
  }

  /**
   * Whether this is a conversation rather than plain text.
   *
   * @return true if {@link #messages()} is not empty
   */
  public boolean isChat() {
    return !messages.isEmpty();
  }

  /**
   * The length of {@link #text()} in Unicode code points, which is what Python's {@code len()}
   * counts; length limits in datasets and papers are given in these units.
   *
   * @return the number of characters
   */
  public int characters() {
    return text.codePointCount(0, text.length());
  }

  /**
   * Renders messages as plain text: the content of the only message, or one {@code role: content}
   * line per message.
   *
   * @param messages the messages
   * @return the text
   */
  public static String render(List<Message> messages) {
    if (messages.size() == 1) {
      return messages.get(0).content();
    }
    StringBuilder sb = new StringBuilder();
    for (Message m : messages) {
      if (sb.length() > 0) {
        sb.append('\n');
      }
      sb.append(m.role()).append(": ").append(m.content());
    }
    return sb.toString();
  }
}
