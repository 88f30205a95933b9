package dpo.datasets.format;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.BadDataException;
import dpo.api.data.Content;
import dpo.api.data.DataFormat;
import dpo.api.data.Message;
import dpo.api.data.PreferencePair;
import dpo.datasets.io.RowSource;
import dpo.datasets.io.RowSources;
import dpo.datasets.io.TextLines;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Reads the examples a language model trains on, as TRL's SFT trainer takes them:
 *
 * <ul>
 *   <li>a {@code .txt} file: every line that is not blank is one example, trained on whole;
 *   <li>{@code {"text"}} rows: the text, trained on whole;
 *   <li>{@code {"prompt", "completion"}} rows: the completion is trained on, the prompt is context
 *       (TRL's completion-only loss); both may be conversations ({@code [{"role", "content"}]}),
 *       then the completion's assistant turns are trained on;
 *   <li>{@code {"messages"}} rows: every assistant turn is trained on, the other turns are context
 *       (TRL's assistant-only loss); rendered by {@link ChatFormat};
 *   <li>TRL preference rows {@code {"prompt", "chosen", "rejected"}} (also with an implicit
 *       prompt): the prompt is context, the chosen response is trained on, the rejected one is
 *       ignored.
 * </ul>
 *
 * <p>The kind of a dataset file is told from the fields of its first row, and every row is then
 * read as that kind; a row that lacks a field fails with the file, line and field. A {@code .txt}
 * line or dataset row longer than the limit is refused with the limit, before it is held whole.
 */
public final class TextExamples {
  /** The row shapes, with the example that error messages quote. */
  private enum Kind {
    TEXT("{\"text\": \"...\"}"),
    PROMPT_COMPLETION("{\"prompt\": \"...\", \"completion\": \"...\"}"),
    MESSAGES(
        "{\"messages\": [{\"role\": \"user\", \"content\": \"...\"},"
            + " {\"role\": \"assistant\", \"content\": \"...\"}]}"),
    PREFERENCE(DataFormat.TRL_PREFERENCE.example());

    final String example;

    Kind(String example) {
      this.example = example;
    }
  }

  private TextExamples() {}

  /**
   * Reads a file's examples.
   *
   * @param file a {@code .txt} file or a dataset file (JSON lines, JSON array, Parquet)
   * @param maxChars the longest line or row accepted, in characters
   * @param sink receives the examples, in file order
   * @throws BadDataException if the file cannot be read, a row is malformed (naming file, line and
   *     field), a line or row is too long, or the file holds no example
   */
  public static void read(Path file, int maxChars, Consumer<TextExample> sink) {
    String name = file.getFileName() == null ? "" : file.getFileName().toString();
    if (name.toLowerCase(Locale.ROOT).endsWith(".txt")) {
      readLines(file, maxChars, sink);
    } else {
      readRows(file, maxChars, sink);
    }
  }

  private static void readLines(Path file, int maxChars, Consumer<TextExample> sink) {
    long examples = 0;
    try (TextLines lines = TextLines.open(file, maxChars)) {
      for (String line = lines.next(); line != null; line = lines.next()) {
        if (!line.isBlank()) {
          sink.accept(
              new TextExample(
                  List.of(new TextExample.Segment(line, true, true)), file + ":" + lines.line()));
          examples++;
        }
      }
    }
    if (examples == 0) {
      throw new BadDataException(
          file,
          0,
          null,
          "the file holds no text (every line is blank); give a file with one paragraph per line");
    }
  }

  private static void readRows(Path file, int maxChars, Consumer<TextExample> sink) {
    try (RowSource source = RowSources.open(file, maxChars)) {
      ObjectNode row = source.next();
      if (row == null) {
        throw new BadDataException(
            file, 0, null, "the file holds no rows; give at least one, e.g. " + Kind.TEXT.example);
      }
      Kind kind = kindOf(source, row);
      for (; row != null; row = source.next()) {
        String at =
            file
                + (source.location().line() > 0
                    ? ":" + source.location().line()
                    : " (" + source.location().describe() + ")");
        sink.accept(new TextExample(segments(kind, row, source), at));
      }
    }
  }

  private static Kind kindOf(RowSource source, ObjectNode first) {
    if (first.has("text")) {
      return Kind.TEXT;
    }
    if (first.has("messages")) {
      return Kind.MESSAGES;
    }
    if (first.has("completion")) {
      return Kind.PROMPT_COMPLETION;
    }
    if (first.has("chosen")) {
      return Kind.PREFERENCE;
    }
    List<String> names = new ArrayList<>();
    first.fieldNames().forEachRemaining(names::add);
    throw source
        .location()
        .error(
            source.file(),
            null,
            "the row has "
                + names
                + ", which is no"
                + " training text; give rows of one of these kinds: "
                + Kind.TEXT.example
                + " (trained on"
                + " whole), "
                + Kind.PROMPT_COMPLETION.example
                + " or "
                + Kind.MESSAGES.example
                + " (completion only), or TRL preference rows "
                + Kind.PREFERENCE.example
                + " (the chosen response)");
  }

  private static List<TextExample.Segment> segments(Kind kind, ObjectNode row, RowSource source) {
    RowFields fields =
        kind == Kind.PREFERENCE
            ? new RowFields(row, source.file(), source.location(), DataFormat.TRL_PREFERENCE)
            : new RowFields(row, source.file(), source.location(), kind.example);
    return switch (kind) {
      case TEXT -> List.of(new TextExample.Segment(fields.string("text"), true, true));
      case MESSAGES -> conversation(fields, fields.messages("messages"), 0, "messages");
      case PROMPT_COMPLETION ->
          promptAndCompletion(
              fields, fields.content("prompt"), fields.content("completion"), "completion");
      case PREFERENCE -> {
        PreferencePair pair = (PreferencePair) Codecs.read(DataFormat.TRL_PREFERENCE, fields);
        yield promptAndCompletion(fields, pair.prompt(), pair.chosen(), "chosen");
      }
    };
  }

  private static List<TextExample.Segment> promptAndCompletion(
      RowFields fields, Content prompt, Content completion, String field) {
    if (!prompt.isChat() && !completion.isChat()) {
      return List.of(
          new TextExample.Segment(prompt.text(), false, false),
          new TextExample.Segment(completion.text(), true, true));
    }
    List<Message> messages = new ArrayList<>(chat(prompt));
    int from = messages.size();
    messages.addAll(
        completion.isChat()
            ? completion.messages()
            : List.of(Message.assistant(completion.text())));
    return conversation(fields, messages, from, field);
  }

  private static List<Message> chat(Content prompt) {
    return prompt.isChat() ? prompt.messages() : List.of(Message.user(prompt.text()));
  }

  private static List<TextExample.Segment> conversation(
      RowFields fields, List<Message> messages, int trainedFrom, String field) {
    boolean trains = false;
    for (int i = trainedFrom; i < messages.size(); i++) {
      trains |= messages.get(i).role().equals("assistant");
    }
    if (!trains) {
      throw fields.fail(
          field,
          "no assistant message to"
              + " train on; a conversation trains on its \"assistant\" turns, so add one (roles are"
              + " case-sensitive)");
    }
    return ChatFormat.segments(messages, trainedFrom);
  }
}
