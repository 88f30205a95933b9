package dpo.datasets.format;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.BadDataException;
import dpo.api.data.DataFormat;
import dpo.api.data.DataRecord;
import dpo.datasets.io.RowLocation;
import dpo.datasets.io.RowSource;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Reads the records of a dataset file one at a time, in constant memory per row. Open one with
 * {@link Datasets}; call {@link #next()} until it returns null and close the reader:
 *
 * <pre>
 * try (DatasetReader&lt;PreferencePair&gt; pairs = Datasets.preferences(Path.of("pairs.jsonl"))) {
 *   for (PreferencePair p = pairs.next(); p != null; p = pairs.next()) {
 *     ...
 *   }
 * }
 * </pre>
 *
 * <p>Every problem with the file, down to a single field of a single row, is a {@link
 * BadDataException} naming the file, the line (or row group) and the field, and saying how to fix
 * it. Rows are checked as they are read, so a bad row late in a file is found when it is reached.
 *
 * @param <T> what each row is read as
 */
public final class DatasetReader<T> implements AutoCloseable {
  private final RowSource source;
  private final DataFormat format;
  private final boolean detected;
  private final RowView<T> view;
  private ObjectNode pending;
  private long rows;
  private long skipped;

  DatasetReader(
      RowSource source, DataFormat format, boolean detected, ObjectNode first, RowView<T> view) {
    this.source = source;
    this.format = format;
    this.detected = detected;
    this.pending = first;
    this.view = view;
  }

  /**
   * The format the rows are read in.
   *
   * @return the format
   */
  public DataFormat format() {
    return format;
  }

  /**
   * Whether the format was detected from the fields of the first row rather than given.
   *
   * @return true if detected
   */
  public boolean formatDetected() {
    return detected;
  }

  /**
   * The file being read.
   *
   * @return its path
   */
  public Path file() {
    return source.file();
  }

  /**
   * The next record.
   *
   * @return the record, or null after the last row
   * @throws BadDataException if the file or the row is malformed
   */
  public T next() {
    while (true) {
      ObjectNode row = pending != null ? pending : source.next();
      pending = null;
      if (row == null) {
        return null;
      }
      RowFields fields = new RowFields(row, source.file(), source.location(), format);
      T viewed = view.apply(Codecs.read(format, fields), fields);
      if (viewed != null) {
        rows++;
        return viewed;
      }
      skipped++;
    }
  }

  /**
   * What a reader makes of each record: the value it returns, or null to skip the row (a view that
   * finds nothing in it, such as generation records whose rewards all tie).
   */
  @FunctionalInterface
  interface RowView<T> {
    T apply(DataRecord record, RowFields fields);
  }

  /**
   * Passes every remaining record to an action.
   *
   * @param action what to do with each record
   * @throws BadDataException if the file or a row is malformed
   */
  public void forEachRemaining(Consumer<? super T> action) {
    for (T record = next(); record != null; record = next()) {
      action.accept(record);
    }
  }

  /**
   * Where the record last returned by {@link #next()} is in the file.
   *
   * @return its location
   */
  public RowLocation location() {
    return source.location();
  }

  /**
   * How many records {@link #next()} has returned.
   *
   * @return the count
   */
  public long recordsRead() {
    return rows;
  }

  /**
   * How many rows {@link #next()} has passed over because they hold no record of the kind read
   * (such as generation records whose rewards all tie, read as preference pairs).
   *
   * @return the count
   */
  public long skipped() {
    return skipped;
  }

  /** Releases the file. */
  @Override
  public void close() {
    source.close();
  }
}
