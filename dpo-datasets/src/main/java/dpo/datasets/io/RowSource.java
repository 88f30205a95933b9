package dpo.datasets.io;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.BadDataException;
import java.nio.file.Path;

/**
 * The rows of a dataset file, one JSON object at a time, whatever the container (JSON lines, a JSON
 * array, Parquet). Only the current row is held in memory. Call {@link #next()} until it returns
 * null, then {@link #close()}; use it from one thread.
 */
public interface RowSource extends AutoCloseable {
  /**
   * The file the rows come from.
   *
   * @return its path, as given
   */
  Path file();

  /**
   * The next row.
   *
   * @return the row, or null after the last one
   * @throws BadDataException if the file cannot be read or the row is malformed; the message names
   *     the file, the line or row group, and how to fix it
   */
  ObjectNode next();

  /**
   * Where the row last returned by {@link #next()} is.
   *
   * @return its location
   * @throws IllegalStateException before the first row
   */
  RowLocation location();

  /** Releases the file. */
  @Override
  void close();
}
