package dpo.datasets.format;

import dpo.api.BadDataException;
import dpo.api.data.Content;
import dpo.api.data.DataRecord;
import dpo.api.data.GenerationRecord;
import dpo.api.data.Message;
import dpo.api.data.PreferencePair;
import dpo.api.data.SafeRlhfRow;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The preference pairs of a dataset file as text for a language model: a prompt and two responses,
 * the first preferred. TRL preference rows give their pair (a conversational row rendered with
 * {@link ChatFormat}: the prompt ends with {@code assistant:}, a response is the assistant's turn);
 * a PKU-SafeRLHF row its helpfulness pair (the better response chosen); a generation record {@code
 * {prompt, responses, rewards}} the response of highest reward against the one of lowest (a record
 * whose rewards are all equal has no pair and is skipped).
 */
public final class PreferenceTexts {
  private PreferenceTexts() {}

  /**
   * A pair as text.
   *
   * @param prompt the prompt
   * @param chosen the preferred response
   * @param rejected the other one
   * @param source file:line (or row) it comes from
   */
  public record Text(String prompt, String chosen, String rejected, String source) {}

  /**
   * Reads every pair of a file.
   *
   * @param file a dataset file (JSON lines, JSON array, Parquet) of TRL preference rows,
   *     PKU-SafeRLHF rows or generation records
   * @param sink receives the pairs in file order
   * @return the records skipped (generation records without distinct rewards)
   * @throws BadDataException if a row is malformed (naming file, line and field), holds no pair (a
   *     prompt-only row, a generation record without rewards) or the file holds none
   */
  public static int read(Path file, Consumer<Text> sink) {
    int[] counts = new int[2];
    try (DatasetReader<DataRecord> reader = Datasets.open(file, null)) {
      reader.forEachRemaining(
          record -> {
            String at = file + ":" + reader.recordsRead();
            PreferencePair pair = pair(file, reader.recordsRead(), record);
            if (pair == null) {
              counts[1]++;
            } else {
              sink.accept(text(pair, at));
              counts[0]++;
            }
          });
    }
    if (counts[0] == 0) {
      throw new BadDataException(
          file,
          0,
          null,
          "holds no preference pair; give TRL rows {\"prompt\", \"chosen\", \"rejected\"},"
              + " PKU-SafeRLHF rows or generation records with distinct rewards");
    }
    return counts[1];
  }

  private static PreferencePair pair(Path file, long line, DataRecord record) {
    if (record instanceof PreferencePair p) {
      return p;
    }
    if (record instanceof SafeRlhfRow s) {
      return s.betterPair();
    }
    if (record instanceof GenerationRecord g) {
      if (!g.hasRewards()) {
        throw new BadDataException(
            file,
            line,
            "rewards",
            "a generation record without rewards has no preference; score it first (dpo data or"
                + " an oracle)");
      }
      int best = 0;
      int worst = 0;
      for (int i = 1; i < g.responses().size(); i++) {
        if (g.rewards().get(i) > g.rewards().get(best)) {
          best = i;
        }
        if (g.rewards().get(i) < g.rewards().get(worst)) {
          worst = i;
        }
      }
      if (!(g.rewards().get(best) > g.rewards().get(worst))) {
        return null;
      }
      return PreferencePair.of(
          g.prompt(), Content.of(g.responses().get(best)), Content.of(g.responses().get(worst)));
    }
    throw new BadDataException(
        file,
        line,
        "chosen",
        "a prompt-only row has no preference pair; give rows with \"chosen\" and \"rejected\"");
  }

  /** A pair as text; a conversation is rendered as the models trained here read it. */
  static Text text(PreferencePair pair, String source) {
    if (!pair.prompt().isChat() && !pair.chosen().isChat() && !pair.rejected().isChat()) {
      return new Text(pair.prompt().text(), pair.chosen().text(), pair.rejected().text(), source);
    }
    String[] chosen = split(pair.prompt(), pair.chosen());
    String[] rejected = split(pair.prompt(), pair.rejected());
    return new Text(chosen[0], chosen[1], rejected[1], source);
  }

  /** {prompt, response}: the text before the first trained segment, and the rest. */
  private static String[] split(Content prompt, Content response) {
    List<Message> messages =
        new ArrayList<>(prompt.isChat() ? prompt.messages() : List.of(Message.user(prompt.text())));
    int from = messages.size();
    messages.addAll(
        response.isChat() ? response.messages() : List.of(Message.assistant(response.text())));
    StringBuilder before = new StringBuilder();
    StringBuilder after = new StringBuilder();
    boolean trained = false;
    for (TextExample.Segment s : ChatFormat.segments(messages, from)) {
      trained |= s.trained();
      (trained ? after : before).append(s.text());
    }
    return new String[] {before.toString(), after.toString()};
  }
}
