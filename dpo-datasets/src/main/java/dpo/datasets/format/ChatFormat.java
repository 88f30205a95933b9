package dpo.datasets.format;

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
