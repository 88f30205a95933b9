package dpo.datasets.format;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.BadDataException;
import dpo.api.data.Content;
import dpo.api.data.DataFormat;
import dpo.api.data.DataRecord;
import dpo.api.data.GenerationRecord;
import dpo.api.data.PreferencePair;
import dpo.api.data.PromptRecord;
import dpo.api.data.SafeRlhfRow;
import dpo.api.oracle.BestWorstPair;
import dpo.datasets.io.RowSource;
import dpo.datasets.io.RowSources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Opens dataset files for reading. A file is JSON lines, a JSON array or Parquet (see {@link
 * RowSources}); its rows follow one {@link DataFormat}, which is given or else detected from the
 * fields of the first row ({@link FormatDetection}).
 *
 * <p>Besides reading a file's records as they are ({@link #open}), there are views: the prompts of
 * any file, the preference pairs of a TRL or PKU-SafeRLHF file (the latter by its helpfulness
 * label), the preference pairs of any file that holds some (scored generation records too, best
 * against worst), the generation records of a generations file and the rows of a PKU-SafeRLHF file.
 */
public final class Datasets {
  private Datasets() {}

  /**
   * Reads a file's records in its own format.
   *
   * @param file the dataset
   * @param format the rows' format, or null to detect it
   * @return the reader
   * @throws BadDataException if the file cannot be read, is empty, or its format cannot be told
   */
  public static DatasetReader<DataRecord> open(Path file, DataFormat format) {
    return open(file, format, RowSources.DEFAULT_MAX_ROW_CHARS);
  }

  /**
   * Reads a file's records in its own format, with a row-length limit.
   *
   * @param file the dataset
   * @param format the rows' format, or null to detect it
   * @param maxRowChars the longest row accepted, in characters
   * @return the reader
   * @throws BadDataException if the file cannot be read, is empty, or its format cannot be told
   */
  public static DatasetReader<DataRecord> open(Path file, DataFormat format, long maxRowChars) {
    return open(file, format, maxRowChars, null, null, (r, f) -> r);
  }

  /**
   * Reads the prompts of any dataset file.
   *
   * @param file the dataset
   * @param format the rows' format, or null to detect it
   * @return the reader
   * @throws BadDataException if the file cannot be read, is empty, or its format cannot be told
   */
  public static DatasetReader<Content> prompts(Path file, DataFormat format) {
    return open(file, format, RowSources.DEFAULT_MAX_ROW_CHARS, null, null, (r, f) -> r.prompt());
  }

  /**
   * Reads the preference pairs of a TRL or PKU-SafeRLHF file; a PKU-SafeRLHF row gives its
   * helpfulness pair ({@link SafeRlhfRow#betterPair()}).
   *
   * @param file the dataset
   * @param format {@link DataFormat#TRL_PREFERENCE}, {@link DataFormat#PKU_SAFERLHF}, or null to
   *     detect it
   * @return the reader
   * @throws BadDataException if the file cannot be read or holds no preference pairs
   */
  public static DatasetReader<PreferencePair> preferences(Path file, DataFormat format) {
    return open(
        file,
        format,
        RowSources.DEFAULT_MAX_ROW_CHARS,
        DataFormat.TRL_PREFERENCE,
        "preference pairs (trl or pku-saferlhf rows)",
        (r, f) -> (PreferencePair) Conversions.convert(r, DataFormat.TRL_PREFERENCE));
  }

  /**
   * Reads the preference pairs of any file that holds some: TRL rows, PKU-SafeRLHF rows (their
   * helpfulness pair, {@link SafeRlhfRow#betterPair()}) and scored generation records (RLHFlow's
   * recipe: the highest-rewarded response chosen, the lowest rejected, {@link BestWorstPair}). A
   * generation record whose rewards all tie holds no preference and is skipped; one without
   * rewards, or with a single response, is an error naming its line.
   *
   * @param file the dataset
   * @param format the rows' format, or null to detect it
   * @param maxRowChars the longest row accepted, in characters
   * @return the reader
   * @throws BadDataException if the file cannot be read or holds no preference pairs
   */
  public static DatasetReader<PreferencePair> preferencePairs(
      Path file, DataFormat format, long maxRowChars) {
    DatasetReader<PreferencePair> reader =
        open(file, format, maxRowChars, null, null, Datasets::preferencePair);
    if (reader.format().recordType() == PromptRecord.class) {
      reader.close();
      throw new BadDataException(
          file,
          0,
          null,
          "holds "
              + reader.format().id()
              + " rows (prompts only), but preference pairs are needed: TRL rows "
              + DataFormat.TRL_PREFERENCE.example()
              + ", PKU-SafeRLHF rows, or scored generation records "
              + DataFormat.GENERATION.example()
              + (reader.formatDetected()
                  ? " (the format was detected from the fields of its first row)"
                  : ""));
    }
    return reader;
  }

  private static PreferencePair preferencePair(DataRecord record, RowFields fields) {
    if (record instanceof PreferencePair p) {
      return p;
    }
    if (record instanceof SafeRlhfRow row) {
      return row.betterPair();
    }
    if (record instanceof GenerationRecord g) {
      return bestWorst(g, fields);
    }
    throw fields.fail(null, "holds no preference pair");
  }

  private static PreferencePair bestWorst(GenerationRecord g, RowFields fields) {
    if (!g.hasRewards()) {
      throw fields.fail(
          "rewards",
          "missing; a generation record makes a pair only once scored (one reward per response)");
    }
    if (g.responses().size() < 2) {
      throw fields.fail(
          "responses", "a pair needs at least 2 responses, got " + g.responses().size());
    }
    double[] rewards = g.rewards().stream().mapToDouble(Double::doubleValue).toArray();
    return BestWorstPair.of(rewards, 1.0)
        .map(
            p ->
                PreferencePair.of(
                        g.prompt(),
                        Content.of(g.responses().get(p.chosen())),
                        Content.of(g.responses().get(p.rejected())))
                    .withRewards(rewards[p.chosen()], rewards[p.rejected()]))
        .orElse(null);
  }

  /**
   * Reads the records of a generations file.
   *
   * @param file the dataset
   * @return the reader
   * @throws BadDataException if the file cannot be read or its first row is not a generation record
   */
  public static DatasetReader<GenerationRecord> generations(Path file) {
    return open(
        file,
        null,
        RowSources.DEFAULT_MAX_ROW_CHARS,
        DataFormat.GENERATION,
        "generation records {prompt, responses, rewards}",
        (r, f) -> (GenerationRecord) r);
  }

  /**
   * Reads the rows of a PKU-SafeRLHF file, with their safety labels.
   *
   * @param file the dataset
   * @return the reader
   * @throws BadDataException if the file cannot be read or its first row is not a PKU-SafeRLHF row
   */
  public static DatasetReader<SafeRlhfRow> safeRlhf(Path file) {
    return open(
        file,
        null,
        RowSources.DEFAULT_MAX_ROW_CHARS,
        DataFormat.PKU_SAFERLHF,
        "PKU-SafeRLHF rows",
        (r, f) -> (SafeRlhfRow) r);
  }

  /**
   * The row a record becomes in a format, as {@link DatasetWriter} writes it.
   *
   * @param format the format
   * @param record the record
   * @return the row
   * @throws IllegalArgumentException if the record cannot be written in the format
   */
  public static ObjectNode toRow(DataFormat format, DataRecord record) {
    return Codecs.write(format, record);
  }

  /**
   * Tells a file's format from the fields of its first row.
   *
   * @param file the dataset
   * @return the format
   * @throws BadDataException if the file cannot be read, is empty, or matches no format
   */
  public static DataFormat detect(Path file) {
    try (DatasetReader<DataRecord> reader = open(file, null)) {
      return reader.format();
    }
  }

  /**
   * Opens a reader. {@code needs} is a format whose records the view converts to, when not every
   * format gives them, and null otherwise; {@code wanted} says what those records are.
   */
  private static <T> DatasetReader<T> open(
      Path file,
      DataFormat format,
      long maxRowChars,
      DataFormat needs,
      String wanted,
      DatasetReader.RowView<T> view) {
    Objects.requireNonNull(file, "file");
    RowSource source = RowSources.open(file, maxRowChars);
    try {
      ObjectNode first = source.next();
      if (first == null) {
        throw new BadDataException(
            file,
            0,
            null,
            "the file holds no rows (an empty array); a dataset needs at least one row, e.g. "
                + (format == null ? DataFormat.PROMPT_ONLY : format).example());
      }
      DataFormat chosen = format != null ? format : detectFirst(source, first);
      if (needs != null && !Conversions.canConvert(chosen, needs)) {
        throw new BadDataException(
            file,
            0,
            null,
            "holds "
                + chosen.id()
                + " rows, but "
                + wanted
                + " are needed; give a file of that kind"
                + (format == null
                    ? " (the format was detected from the fields of its first row)"
                    : ""));
      }
      return new DatasetReader<>(source, chosen, format == null, first, view);
    } catch (RuntimeException e) {
      source.close();
      throw e;
    }
  }

  private static DataFormat detectFirst(RowSource source, ObjectNode first) {
    List<String> names = new ArrayList<>();
    first.fieldNames().forEachRemaining(names::add);
    return FormatDetection.detect(names)
        .orElseThrow(
            () ->
                source
                    .location()
                    .error(
                        source.file(),
                        null,
                        "cannot tell the format from the fields "
                            + names
                            + "; give rows of one of the formats "
                            + DataFormat.ids()
                            + " ('dpo data --help' lists their fields), or name the format"
                            + " with --format where the command has that option"));
  }
}
