package dpo.datasets.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes UTF-8 strictly and knows the line of the first byte that is not UTF-8.
 *
 * <p>Jackson's own byte parser only checks UTF-8 inside strings, guesses UTF-16/32 from the first
 * bytes, and reports a stray byte between tokens as an ordinary syntax error; this reader makes
 * every non-UTF-8 byte an encoding error instead. It decodes ahead of the parser, so it counts
 * lines itself rather than asking the parser where it is.
 */
public final class StrictUtf8Reader extends Reader {
  private static final int BUFFER_SIZE = 8192;
  private static final char BYTE_ORDER_MARK = '\uFEFF';

  private final InputStream in;
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final ByteBuffer bytes = ByteBuffer.allocate(BUFFER_SIZE).flip();
  private final CharBuffer chars = CharBuffer.allocate(BUFFER_SIZE).flip();

  private boolean endOfBytes;
  private boolean endOfChars;
  private boolean atStart = true;
  private long charsDelivered;
  private long line = 1;
  private boolean afterCarriageReturn;
  // Set once a bad byte is decoded; thrown only after the text before it has been handed out, so
  // that a syntax error earlier in the same buffer is still reported first.
  private long badByteLine;

  /**
   * Decodes a stream of bytes.
   *
   * @param in the bytes; closed by {@link #close()}
   */
  public StrictUtf8Reader(InputStream in) {
    this.in = in;
  }

  @Override
  public int read(char[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    if (!chars.hasRemaining() && !fill()) {
      return -1;
    }
    int n = Math.min(length, chars.remaining());
    chars.get(buffer, offset, n);
    charsDelivered += n;
    return n;
  }

  /**
   * Whether every char of the input has been read.
   *
   * @return true once the input is exhausted
   */
  public boolean atEnd() {
    return endOfChars && !chars.hasRemaining();
  }

  /**
   * How many chars {@link #read(char[], int, int)} has returned, not counting a byte order mark.
   *
   * @return the count so far
   */
  public long charsDelivered() {
    return charsDelivered;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** Decodes at least one char into {@link #chars}; false at the end of the input. */
  private boolean fill() throws IOException {
    chars.clear();
    while (chars.position() == 0) {
      if (badByteLine > 0) {
        throw new MalformedUtf8Exception(badByteLine);
      }
      if (endOfChars) {
        break;
      }
      CoderResult result = decoder.decode(bytes, chars, endOfBytes);
      countLines();
      if (result.isError()) {
        badByteLine = line;
      } else if (result.isUnderflow()) {
        if (endOfBytes) {
          endOfChars = true;
        } else {
          readBytes();
        }
      }
    }
    chars.flip();
    if (atStart && chars.hasRemaining()) {
      atStart = false;
      // Editors on Windows often save UTF-8 with a byte order mark; it is not JSON whitespace.
      if (chars.get(0) == BYTE_ORDER_MARK) {
        chars.get();
        if (!chars.hasRemaining()) {
          return fill();
        }
      }
    }
    return chars.hasRemaining();
  }

  private void readBytes() throws IOException {
    bytes.compact();
    int n = in.read(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
    if (n < 0) {
      endOfBytes = true;
    } else {
      bytes.position(bytes.position() + n);
    }
    bytes.flip();
  }

  /** Counts line breaks the way Jackson does: LF, CR and CRLF each end one line. */
  private void countLines() {
    for (int i = 0; i < chars.position(); i++) {
      char c = chars.get(i);
      if (c == '\r') {
        line++;
        afterCarriageReturn = true;
      } else {
        if (c == '\n' && !afterCarriageReturn) {
          line++;
        }
        afterCarriageReturn = false;
      }
    }
  }

  /** The input is not UTF-8; carries the line of the first bad byte. */
  public static final class MalformedUtf8Exception extends IOException {
    private static final long serialVersionUID = 1L;

    /** The 1-based line of the first bad byte. */
    private final long line;

    MalformedUtf8Exception(long line) {
      super("input is not valid UTF-8 (line " + line + ")");
      this.line = line;
    }

    /**
     * The line of the first byte that is not UTF-8.
     *
     * @return the 1-based line
     */
    public long line() {
      return line;
    }
  }
}
