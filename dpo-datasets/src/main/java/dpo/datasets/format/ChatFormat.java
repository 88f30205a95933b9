package dpo.datasets.format;

import dpo.api.data.Content;
import dpo.api.data.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * How a conversation becomes text for a model trained here: each message other than the assistant's
 * is {@code role: content} and a line break; an assistant message is {@code assistant:}, a space,
 * its content and the end-of-sequence token, so a model learns to stop after its turn. A prompt for
 * generation ends with {@code assistant:}. The same rendering is the {@code chat_template} of the
 * tokenizers that {@code dpo tokenizer train} writes ({@link #JINJA}), so {@code transformers}'
 * {@code apply_chat_template} gives the same text.
 */
public final class ChatFormat {
  /** The template for {@code tokenizer_config.json}, in Jinja as transformers reads it. */
  public static final String JINJA =
      "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'assistant' %}"
          + "{{ 'assistant: ' + message['content'] + eos_token }}{% else %}"
          + "{{ message['role'] + ': ' + message['content'] + '\\n' }}{% endif %}{% endfor %}"
          + "{% if add_generation_prompt %}{{ 'assistant:' }}{% endif %}";

  private static final String ASSISTANT = "assistant";

  private ChatFormat() {}

  /**
   * A prompt and one of its responses as a model trained here reads them. Where either is a
   * conversation, the messages are rendered by {@link #segments}: the prompt is every segment
   * before the response's first assistant turn (so it ends with {@code assistant:}), the response
   * the rest (a space and its content, and any later turns), without the end-of-sequence token. A
   * plain prompt becomes the user's message there. Two plain texts stay as they are.
   *
   * @param prompt the prompt
   * @param response the response
   * @return {prompt, response} as text
   */
  public static String[] turns(Content prompt, Content response) {
    if (!prompt.isChat() && !response.isChat()) {
      return new String[] {prompt.text(), response.text()};
    }
    List<Message> messages =
        new ArrayList<>(prompt.isChat() ? prompt.messages() : List.of(Message.user(prompt.text())));
    int from = messages.size();
    messages.addAll(
        response.isChat() ? response.messages() : List.of(Message.assistant(response.text())));
    StringBuilder before = new StringBuilder();
    StringBuilder after = new StringBuilder();
    boolean trained = false;
    for (TextExample.Segment s : segments(messages, from)) {
      trained |= s.trained();
      (trained ? after : before).append(s.text());
    }
    return new String[] {before.toString(), after.toString()};
  }

  /**
   * A prompt to generate from, as a model trained here reads it: a conversation ends with {@code
   * assistant:} ({@link #turns}); a plain text stays as it is.
   *
   * @param prompt the prompt
   * @return its text
   */
  public static String prompt(Content prompt) {
    return turns(prompt, Content.of(""))[0];
  }

  /**
   * The segments of a conversation.
   *
   * @param messages the messages
   * @param trainedFrom the index of the first message whose assistant turns are trained on; the
   *     assistant turns before it are context (0 trains every assistant turn)
   * @return the segments: headers and non-assistant messages masked, assistant contents (with their
   *     end-of-sequence token) trained on from {@code trainedFrom}
   */
  public static List<TextExample.Segment> segments(List<Message> messages, int trainedFrom) {
    List<TextExample.Segment> out = new ArrayList<>();
    StringBuilder context = new StringBuilder();
    for (int i = 0; i < messages.size(); i++) {
      Message m = messages.get(i);
      if (m.role().equals(ASSISTANT)) {
        context.append(ASSISTANT).append(':');
        out.add(new TextExample.Segment(context.toString(), false, false));
        context.setLength(0);
        out.add(new TextExample.Segment(" " + m.content(), i >= trainedFrom, true));
      } else {
        context.append(m.role()).append(": ").append(m.content()).append('\n');
      }
    }
    if (context.length() > 0) {
      out.add(new TextExample.Segment(context.toString(), false, false));
    }
    return out;
  }
}
