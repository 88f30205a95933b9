package dpo.datasets.io;

import dpo.datasets.io.ReadErrors.RowTooLongException;
import java.io.IOException;
import java.io.Reader;

/**
 * Stops a JSON parser that has read more than a limit of characters since the current row began, so
 * that one enormous row fails fast instead of filling memory. The parser reads ahead in chunks, so
 * the limit holds to within one chunk.
 */
final class RowLimitReader extends Reader {
  private final Reader in;
  private final long limit;
  private long delivered;
  private long rowStart;

  RowLimitReader(Reader in, long limit) {
    this.in = in;
    this.limit = limit;
  }

  /** Marks the start of a row: the limit counts from here. */
  void startRow() {
    rowStart = delivered;
  }

  @Override
  public int read(char[] buffer, int offset, int length) throws IOException {
    if (delivered - rowStart > limit) {
      throw new RowTooLongException();
    }
    int n = in.read(buffer, offset, length);
    if (n > 0) {
      delivered += n;
    }
    return n;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
