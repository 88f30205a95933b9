package dpo.api;

import java.nio.file.Path;
import java.util.Optional;

/**
 * An input file is malformed. The message names the file, the line (when known), the field, and how
 * to fix it.
 */
public class BadDataException extends DpoException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  /** The 1-based line at fault, or 0 if unknown. */
  private final long line;

  /** The field or element at fault, or null if none. */
  private final String field;

  /**
   * Creates the exception.
   *
   * @param file the file that is malformed
   * @param line the 1-based line, or 0 if unknown
   * @param field the field or element at fault, or null if none
   * @param problem what is wrong and how to fix it
   */
  public BadDataException(Path file, long line, String field, String problem) {
    super(format(file, line, field, problem));
    this.file = file;
    this.line = line;
    this.field = field;
  }

  private static String format(Path file, long line, String field, String problem) {
    StringBuilder sb = new StringBuilder().append(file);
    if (line > 0) {
      sb.append(':').append(line);
    }
    if (field != null) {
      sb.append(" (").append(field).append(')');
    }
    return sb.append(": ").append(problem).toString();
  }

  /**
   * The malformed file.
   *
   * @return its path
   */
  public Path file() {
    return file;
  }

  /**
   * The 1-based line of the fault.
   *
   * @return the line, or 0 if unknown
   */
  public long line() {
    return line;
  }

  /**
   * The field or element at fault.
   *
   * @return the field, if known
   */
  public Optional<String> field() {
    return Optional.ofNullable(field);
  }
}
