package dpo.datasets.format;

import dpo.api.BadDataException;
import dpo.api.data.Content;
import dpo.api.data.DataFormat;
import dpo.api.data.PreferencePair;
import dpo.datasets.io.RowLocation;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The preference pairs of a dataset file as text for a language model: a prompt and two responses,
 * the first preferred, read by {@link Datasets#preferencePairs} (TRL rows, PKU-SafeRLHF rows,
 * scored generation records; JSON lines, JSON, gzip, Parquet), a conversational pair rendered as
 * its reader needs it ({@link Rendering}). What {@code dpo train} and {@code dpo reward train
 * --data} train on.
 */
public final class PreferenceTexts {
  private PreferenceTexts() {}

  /** How a conversation becomes text. */
  public enum Rendering {
    /**
     * As a policy reads a conversation ({@link ChatFormat}, as {@code dpo lm train} renders it):
     * the prompt ends with {@code assistant:}, a response is the assistant's turn. For training a
     * language model ({@code dpo train}).
     */
    CHAT_TURNS,
    /**
     * As {@code dpo align} hands a conversation to the oracle ({@link Content#text()}: one {@code
     * role: content} line per message, the content alone for a single message). For training a
     * reward model that serves as the {@code learned} oracle.
     */
    ORACLE_TEXT
  }

  /**
   * A pair as text, with where it is.
   *
   * @param prompt the prompt
   * @param chosen the preferred response
   * @param rejected the other one
   * @param file the file it comes from
   * @param at its row in the file
   */
  public record Text(String prompt, String chosen, String rejected, Path file, RowLocation at) {
    /**
     * Where the pair is, for messages: {@code file:line}, with the row where the line is not
     * enough.
     *
     * @return e.g. {@code prefs.jsonl:3} or {@code prefs.parquet (row group 0, row 2)}
     */
    public String source() {
      return file
          + (at.line() > 0 ? ":" + at.line() : "")
          + (at.where() == null ? "" : " (" + at.where() + ")");
    }
  }

  /**
   * What a file held.
   *
   * @param format the rows' format
   * @param pairs the pairs read
   * @param skipped the rows without a preference (generation records whose rewards all tie)
   */
  public record Read(DataFormat format, long pairs, long skipped) {}

  /**
   * Reads every pair of a file.
   *
   * @param file a dataset file of TRL preference rows, PKU-SafeRLHF rows or scored generation
   *     records
   * @param format the rows' format, or null to detect it
   * @param maxRowChars the longest row accepted, in characters
   * @param rendering how a conversation becomes text
   * @param sink receives the pairs in file order
   * @return the format and the counts
   * @throws BadDataException if a row is malformed (naming file, line and field), holds no pair (a
   *     prompt-only file, a generation record without rewards) or the file holds none
   */
  public static Read read(
      Path file, DataFormat format, long maxRowChars, Rendering rendering, Consumer<Text> sink) {
    try (DatasetReader<PreferencePair> reader =
        Datasets.preferencePairs(file, format, maxRowChars)) {
      for (PreferencePair p = reader.next(); p != null; p = reader.next()) {
        sink.accept(
            rendering == Rendering.CHAT_TURNS
                ? text(p, file, reader.location())
                : new Text(
                    p.prompt().text(),
                    p.chosen().text(),
                    p.rejected().text(),
                    file,
                    reader.location()));
      }
      if (reader.recordsRead() == 0) {
        throw new BadDataException(
            file,
            0,
            null,
            "holds no preference pair; give TRL rows {\"prompt\", \"chosen\", \"rejected\"},"
                + " PKU-SafeRLHF rows or generation records with distinct rewards");
      }
      return new Read(reader.format(), reader.recordsRead(), reader.skipped());
    }
  }

  /**
   * A pair as text, a conversation rendered as {@link Rendering#CHAT_TURNS}.
   *
   * @param pair the pair
   * @param file the file it comes from
   * @param at its row
   * @return the text
   */
  public static Text text(PreferencePair pair, Path file, RowLocation at) {
    String[] chosen = ChatFormat.turns(pair.prompt(), pair.chosen());
    String[] rejected = ChatFormat.turns(pair.prompt(), pair.rejected());
    return new Text(chosen[0], chosen[1], rejected[1], file, at);
  }
}
