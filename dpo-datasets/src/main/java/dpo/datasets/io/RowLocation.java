package dpo.datasets.io;

import dpo.api.BadDataException;
import java.nio.file.Path;

/**
 * Where a row is in its file, for error messages.
 *
 * @param index the 0-based position of the row among the rows of the file
 * @param line the 1-based line where the row starts, or 0 where lines mean nothing (Parquet)
 * @param where how a message names the row beyond its line, e.g. {@code "row 5"} in a JSON array or
 *     {@code "row group 0, row 17"} in Parquet; null in JSON lines, where the line says it all
 */
public record RowLocation(long index, long line, String where) {
  /**
   * A row of a JSON-lines file.
   *
   * @param index the 0-based row index
   * @param line the row's line
   * @return the location
   */
  public static RowLocation ofLine(long index, long line) {
    return new RowLocation(index, line, null);
  }

  /**
   * An element of a JSON array.
   *
   * @param index the 0-based element index
   * @param line the line where the element starts
   * @return the location
   */
  public static RowLocation ofElement(long index, long line) {
    return new RowLocation(index, line, "row " + index);
  }

  /**
   * A row of a Parquet file.
   *
   * @param index the 0-based row index in the file
   * @param rowGroup the row group
   * @param row the row, as the Parquet reader counts it
   * @return the location
   */
  public static RowLocation ofRowGroup(long index, long rowGroup, long row) {
    return new RowLocation(index, 0, "row group " + rowGroup + ", row " + row);
  }

  /**
   * How a message names a field of this row: the row (when the line is not enough) and the field.
   *
   * @param field the field, or null for the whole row
   * @return e.g. {@code "chosen"}, {@code "row 5, chosen"}, or null when there is nothing to name
   */
  public String label(String field) {
    if (where == null) {
      return field;
    }
    return field == null ? where : where + ", " + field;
  }

  /**
   * A bad-data error at this row.
   *
   * @param file the file
   * @param field the field at fault, or null
   * @param problem what is wrong and how to fix it
   * @return the exception, to throw
   */
  public BadDataException error(Path file, String field, String problem) {
    return new BadDataException(file, line, label(field), problem);
  }

  /**
   * The location in words, e.g. {@code "line 3"} or {@code "row group 0, row 17"}.
   *
   * @return the description
   */
  public String describe() {
    String atLine = line > 0 ? "line " + line : null;
    if (where == null) {
      return atLine == null ? "row " + index : atLine;
    }
    return atLine == null ? where : atLine + ", " + where;
  }
}
