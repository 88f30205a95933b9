package dpo.datasets.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.BadDataException;
import dpo.datasets.io.ReadErrors.RowTooLongException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;

/**
 * JSON lines: one JSON object per line. Blank lines are skipped. Each line is parsed on its own, so
 * a malformed line is reported with its own line number and column, and a line longer than the
 * limit fails as soon as the limit is passed, before the rest of it is read.
 */
final class JsonlRowSource implements RowSource {
  private static final int BUFFER_SIZE = 8192;

  private final Path file;
  private final Reader in;
  private final long maxRowChars;
  private final char[] buffer = new char[BUFFER_SIZE];
  private final StringBuilder line = new StringBuilder();
  private int pos;
  private int end;
  private boolean afterCarriageReturn;
  private long lineNumber;
  private long nextLineNumber = 1;
  private long rows;
  private RowLocation location;

  JsonlRowSource(Path file, Reader in, long maxRowChars) {
    this.file = file;
    this.in = in;
    this.maxRowChars = maxRowChars;
  }

  @Override
  public Path file() {
    return file;
  }

  @Override
  public ObjectNode next() {
    String text;
    try {
      do {
        text = readLine();
        if (text == null) {
          return null;
        }
      } while (text.isBlank());
    } catch (IOException e) {
      throw ReadErrors.of(file, lineNumber, null, maxRowChars, e);
    }
    location = RowLocation.ofLine(rows++, lineNumber);
    return parse(text);
  }

  @Override
  public RowLocation location() {
    if (location == null) {
      throw new IllegalStateException("no row has been read yet");
    }
    return location;
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      // Reading is over; a failure to release the file changes no result.
    }
  }

  private ObjectNode parse(String text) {
    try (JsonParser parser = JsonSupport.MAPPER.createParser(text)) {
      JsonToken token = parser.nextToken();
      if (token != JsonToken.START_OBJECT) {
        throw location.error(
            file,
            null,
            "found "
                + JsonSupport.describe(JsonSupport.MAPPER.readTree(text))
                + " where a row should be; each line must be one JSON object, e.g. "
                + "{\"prompt\": \"...\"}");
      }
      ObjectNode row = parser.readValueAsTree();
      if (parser.nextToken() != null) {
        throw location.error(
            file,
            null,
            "more than one JSON value on this line (the second starts at column "
                + parser.currentTokenLocation().getColumnNr()
                + "); put each row on its own line");
      }
      return row;
    } catch (JsonProcessingException e) {
      throw malformed(e);
    } catch (IOException e) {
      throw ReadErrors.unreadable(file, e);
    }
  }

  private BadDataException malformed(JsonProcessingException e) {
    return location.error(
        file,
        JsonSupport.failedField(e),
        "malformed JSON at column "
            + e.getLocation().getColumnNr()
            + ": "
            + JsonSupport.reason(e)
            + "; each line must be one complete JSON object, e.g. {\"prompt\": \"...\"}");
  }

  /** The next line without its line break, or null at the end of the input. */
  private String readLine() throws IOException {
    line.setLength(0);
    lineNumber = nextLineNumber;
    boolean any = false;
    while (true) {
      if (pos == end) {
        end = in.read(buffer, 0, buffer.length);
        pos = 0;
        if (end <= 0) {
          end = 0;
          return any ? line.toString() : null;
        }
      }
      if (afterCarriageReturn) {
        afterCarriageReturn = false;
        if (buffer[pos] == '\n') {
          // The second half of a CRLF; its line has already ended.
          pos++;
          continue;
        }
      }
      int start = pos;
      while (pos < end && buffer[pos] != '\n' && buffer[pos] != '\r') {
        pos++;
      }
      if (line.length() + (pos - start) > maxRowChars) {
        throw new RowTooLongException();
      }
      line.append(buffer, start, pos - start);
      any = true;
      if (pos < end) {
        afterCarriageReturn = buffer[pos] == '\r';
        pos++;
        nextLineNumber++;
        return line.toString();
      }
    }
  }
}
