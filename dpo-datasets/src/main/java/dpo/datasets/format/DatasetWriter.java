package dpo.datasets.format;

import dpo.api.DpoException;
import dpo.api.data.DataFormat;
import dpo.api.data.DataRecord;
import dpo.datasets.io.JsonRowWriter;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Writes records as the rows of one {@link DataFormat}, atomically: nothing appears at the target
 * until {@link #commit()}, and closing without a commit (say, after an exception) deletes what was
 * written and leaves any existing file as it was.
 *
 * <pre>
 * try (DatasetWriter out = DatasetWriter.preferences(Path.of("pairs.jsonl"))) {
 *   out.write(PreferencePair.of(prompt, chosen, rejected).withRewards(1.5, -0.25));
 *   out.commit();
 * }
 * </pre>
 *
 * <p>The container follows the file name ({@code .jsonl}, {@code .json}, optionally {@code .gz});
 * see {@link JsonRowWriter}. Records of another type are converted when the format allows it
 * ({@link Conversions}): any record can be written as prompts, and a PKU-SafeRLHF row as its
 * helpfulness pair.
 */
public final class DatasetWriter implements AutoCloseable {
  private final JsonRowWriter out;
  private final DataFormat format;

  private DatasetWriter(JsonRowWriter out, DataFormat format) {
    this.out = out;
    this.format = format;
  }

  /**
   * Starts writing rows of a format.
   *
   * @param file the target; its directory must exist
   * @param format the rows' schema
   * @return the writer
   * @throws IllegalArgumentException if the file name has no {@code .jsonl} or {@code .json}
   *     extension
   * @throws DpoException if the file cannot be created
   */
  public static DatasetWriter open(Path file, DataFormat format) {
    Objects.requireNonNull(format, "format");
    return new DatasetWriter(JsonRowWriter.open(file), format);
  }

  /**
   * Starts writing TRL preference rows {@code {"prompt", "chosen", "rejected"}}, plus {@code
   * chosen_reward}, {@code rejected_reward} and {@code margin} where the pairs have them.
   *
   * @param file the target
   * @return the writer
   */
  public static DatasetWriter preferences(Path file) {
    return open(file, DataFormat.TRL_PREFERENCE);
  }

  /**
   * Starts writing generation records {@code {"prompt", "responses", "rewards"}}.
   *
   * @param file the target
   * @return the writer
   */
  public static DatasetWriter generations(Path file) {
    return open(file, DataFormat.GENERATION);
  }

  /**
   * Writes records to a file in one step: the file is complete or not there at all.
   *
   * @param file the target
   * @param format the rows' schema
   * @param records the records
   * @return the number of rows written
   */
  public static long writeAll(
      Path file, DataFormat format, Iterable<? extends DataRecord> records) {
    try (DatasetWriter out = open(file, format)) {
      for (DataRecord record : records) {
        out.write(record);
      }
      out.commit();
      return out.rowsWritten();
    }
  }

  /**
   * The rows' schema.
   *
   * @return the format
   */
  public DataFormat format() {
    return format;
  }

  /**
   * Appends a record.
   *
   * @param record the record
   * @throws IllegalArgumentException if the record cannot be written in this format
   */
  public void write(DataRecord record) {
    out.write(Codecs.write(format, Objects.requireNonNull(record, "record")));
  }

  /**
   * How many rows have been written.
   *
   * @return the count
   */
  public long rowsWritten() {
    return out.rowsWritten();
  }

  /** Finishes the file and moves it into place, replacing any file there. */
  public void commit() {
    out.commit();
  }

  /** Discards the rows unless {@link #commit()} succeeded. */
  @Override
  public void close() {
    out.close();
  }
}
