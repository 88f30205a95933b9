package dpo.datasets.io;

import dpo.api.BadDataException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The lines of a UTF-8 text file, one at a time, each at most a given number of characters: a
 * longer line fails with its file, line and the limit before more than the limit is held, so a file
 * without line breaks cannot fill memory. Line ends are {@code \n}, {@code \r\n} or {@code \r};
 * they are not part of the lines. Use it from one thread.
 */
public final class TextLines implements AutoCloseable {
  /** The default longest line, in characters: 1 Mi, far above any real paragraph. */
  public static final int DEFAULT_MAX_LINE_CHARS = 1 << 20;

  private final Path file;
  private final Reader in;
  private final int maxChars;
  private final String limitOption;
  private final char[] buffer = new char[8192];
  private int position;
  private int limit;
  private long line;
  private boolean afterCarriageReturn;
  // Whether characters were read since the last line end: a last line without a line break.
  private boolean pending;

  private TextLines(Path file, Reader in, int maxChars, String limitOption) {
    this.file = file;
    this.in = in;
    this.maxChars = maxChars;
    this.limitOption = limitOption;
  }

  /**
   * Opens a text file.
   *
   * @param file the file
   * @param maxChars the longest line accepted, in characters
   * @return its lines
   * @throws BadDataException if the file cannot be opened
   */
  public static TextLines open(Path file, int maxChars) {
    return open(file, maxChars, "--max-line-chars");
  }

  /**
   * Opens a text file whose line limit the user raises with the given option, or cannot raise.
   *
   * @param file the file
   * @param maxChars the longest line accepted, in characters
   * @param limitOption the option that raises the limit, named in the refusal; null if none
   * @return its lines
   * @throws BadDataException if the file cannot be opened
   */
  public static TextLines open(Path file, int maxChars, String limitOption) {
    if (maxChars < 1) {
      throw new IllegalArgumentException("maxChars must be >= 1, got " + maxChars);
    }
    if (Files.isDirectory(file)) {
      throw new BadDataException(file, 0, null, "is a directory, not a file; give a text file");
    }
    try {
      return new TextLines(
          file,
          new StrictUtf8Reader(new BufferedInputStream(Files.newInputStream(file))),
          maxChars,
          limitOption);
    } catch (IOException e) {
      throw ReadErrors.unreadable(file, e);
    }
  }

  /**
   * The next line.
   *
   * @return the line without its end, or null after the last one
   * @throws BadDataException if the line is too long or not UTF-8
   */
  public String next() {
    StringBuilder sb = new StringBuilder();
    try {
      while (true) {
        if (position == limit) {
          limit = in.read(buffer, 0, buffer.length);
          position = 0;
          if (limit <= 0) {
            limit = 0;
            if (!pending) {
              return null; // the last line ended with a line break, or the file is empty
            }
            pending = false;
            line++;
            return sb.toString();
          }
        }
        char c = buffer[position++];
        if (afterCarriageReturn) {
          afterCarriageReturn = false;
          if (c == '\n') {
            continue; // the \n of \r\n; the line was already returned at the \r
          }
        }
        if (c == '\n' || c == '\r') {
          afterCarriageReturn = c == '\r';
          pending = false;
          line++;
          return sb.toString();
        }
        if (sb.length() == maxChars) {
          throw new BadDataException(
              file,
              line + 1,
              null,
              "the line is longer than "
                  + maxChars
                  + " characters, the limit; break the text into lines (paragraphs)"
                  + (limitOption == null ? "" : ", or raise the limit with " + limitOption));
        }
        sb.append(c);
        pending = true;
      }
    } catch (IOException e) {
      throw ReadErrors.of(file, line + 1, null, maxChars, e);
    }
  }

  /**
   * The 1-based number of the line last returned.
   *
   * @return the line, 0 before the first
   */
  public long line() {
    return line;
  }

  /**
   * The file.
   *
   * @return its path
   */
  public Path file() {
    return file;
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      // nothing was written; a failure to close a read-only file loses nothing
    }
  }
}
