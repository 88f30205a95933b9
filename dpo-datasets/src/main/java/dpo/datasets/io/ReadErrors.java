package dpo.datasets.io;

import dpo.api.BadDataException;
import dpo.datasets.io.StrictUtf8Reader.MalformedUtf8Exception;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.ZipException;

/** The wording of read failures that every row source shares. */
final class ReadErrors {
  private ReadErrors() {}

  /**
   * A failure of the input itself rather than of its JSON.
   *
   * @param file the file
   * @param line the line the reader was at, or 0
   * @param where how to name the row, or null
   * @param maxRowChars the row limit in force, for the too-long message
   */
  static BadDataException of(Path file, long line, String where, long maxRowChars, IOException e) {
    if (e instanceof MalformedUtf8Exception bad) {
      return new BadDataException(
          file,
          bad.line(),
          null,
          "bad encoding: a byte on this line is not UTF-8; save the file as UTF-8 (for example"
              + " with 'iconv -f LATIN1 -t UTF-8')");
    }
    if (e instanceof RowTooLongException) {
      return new BadDataException(
          file,
          line,
          where,
          "the row is longer than "
              + maxRowChars
              + " characters, the limit; such a row usually means the file is not one JSON"
              + " object per row, so check the file, or raise the limit with --max-row-chars");
    }
    if (e instanceof ZipException || e instanceof EOFException) {
      return new BadDataException(
          file,
          line,
          where,
          "the gzip data is corrupt or truncated ("
              + e.getMessage()
              + "); download or compress the file again");
    }
    return unreadable(file, e);
  }

  /** The file cannot be opened or read at all. */
  static BadDataException unreadable(Path file, IOException e) {
    if (e instanceof NoSuchFileException) {
      String resolved = file.isAbsolute() ? "" : " (resolved to " + file.toAbsolutePath() + ")";
      return new BadDataException(file, 0, null, "no such file" + resolved + "; check the path");
    }
    if (e instanceof AccessDeniedException) {
      return new BadDataException(
          file, 0, null, "permission denied; check the path and the file's read permission");
    }
    return new BadDataException(
        file, 0, null, "cannot read the file (" + e + "); check the path and the disk");
  }

  /** A row went past the row limit; the reader stops before holding more of it. */
  static final class RowTooLongException extends IOException {
    private static final long serialVersionUID = 1L;

    RowTooLongException() {
      super("row too long");
    }
  }
}
