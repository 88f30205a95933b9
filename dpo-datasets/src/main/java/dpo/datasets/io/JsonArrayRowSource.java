package dpo.datasets.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.BadDataException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A JSON array of row objects, read with Jackson's streaming parser one element at a time. Also
 * reads the LMFlow wrapper that RLHFlow's scripts write, {@code {"type": "text_only", "instances":
 * [rows]}}, whose rows are the elements of {@code instances}.
 */
final class JsonArrayRowSource implements RowSource {
  private static final String INSTANCES = "instances";
  private static final String SHAPE =
      "the file must be a JSON array of row objects, e.g. [{\"prompt\": \"...\"}], or JSON lines";

  private final Path file;
  private final RowLimitReader in;
  private final boolean wrapped;
  private final long maxRowChars;
  private JsonParser parser;
  private long rows;
  private RowLocation location;
  private boolean done;

  JsonArrayRowSource(Path file, RowLimitReader in, boolean wrapped, long maxRowChars) {
    this.file = file;
    this.in = in;
    this.wrapped = wrapped;
    this.maxRowChars = maxRowChars;
  }

  @Override
  public Path file() {
    return file;
  }

  @Override
  public ObjectNode next() {
    if (done) {
      return null;
    }
    long line = 0;
    try {
      if (parser == null) {
        parser = JsonSupport.MAPPER.createParser(in);
        openArray();
      }
      in.startRow();
      JsonToken token = parser.nextToken();
      line = parser.currentTokenLocation().getLineNr();
      if (token == JsonToken.END_ARRAY) {
        closeArray();
        done = true;
        return null;
      }
      RowLocation here = RowLocation.ofElement(rows, line);
      if (token == null) {
        throw here.error(
            file, null, "the file ends before the array is closed; add the closing ']'");
      }
      if (token != JsonToken.START_OBJECT) {
        throw here.error(
            file,
            null,
            "found "
                + JsonSupport.describe(parser.readValueAsTree())
                + " where a row object should be; "
                + SHAPE);
      }
      ObjectNode row = parser.readValueAsTree();
      location = here;
      rows++;
      return row;
    } catch (JsonProcessingException e) {
      throw malformed(e);
    } catch (IOException e) {
      throw ReadErrors.of(file, line, "row " + rows, maxRowChars, e);
    }
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
      if (parser != null) {
        parser.close();
      }
      in.close();
    } catch (IOException e) {
      // Reading is over; a failure to release the file changes no result.
    }
  }

  /** Moves the parser onto the first element: past '[' or into the wrapper's instances. */
  private void openArray() throws IOException {
    JsonToken token = parser.nextToken();
    if (!wrapped) {
      if (token != JsonToken.START_ARRAY) {
        throw new BadDataException(file, tokenLine(), null, SHAPE);
      }
      return;
    }
    // The sniffer saw an object with an "instances" array; fields before it are skipped.
    while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      token = parser.nextToken();
      if (INSTANCES.equals(name) && token == JsonToken.START_ARRAY) {
        return;
      }
      parser.skipChildren();
    }
    throw new BadDataException(
        file, tokenLine(), INSTANCES, "the object has no \"instances\" array of rows; " + SHAPE);
  }

  /** Checks that nothing but the wrapper's other fields follows the array. */
  private void closeArray() throws IOException {
    if (wrapped) {
      JsonToken token;
      while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
        parser.nextToken();
        parser.skipChildren();
      }
      if (token != JsonToken.END_OBJECT) {
        throw new BadDataException(
            file, tokenLine(), null, "the file ends before the top-level object is closed");
      }
    }
    long closedAt = tokenLine();
    if (parser.nextToken() != null) {
      throw new BadDataException(
          file,
          tokenLine(),
          null,
          "unexpected content after the rows ended on line "
              + closedAt
              + "; the file must hold one JSON array, so delete what follows it");
    }
  }

  private long tokenLine() {
    return parser.currentTokenLocation().getLineNr();
  }

  private BadDataException malformed(JsonProcessingException e) {
    String field = JsonSupport.failedField(e);
    if (wrapped && field != null && field.startsWith(INSTANCES)) {
      // Inside the wrapper the path starts with "instances[i]"; the row is named separately.
      int dot = field.indexOf('.');
      field = dot < 0 ? null : field.substring(dot + 1);
    }
    String end =
        e instanceof JsonEOFException
            ? "the file ends in the middle of a row: "
            : "malformed JSON: ";
    RowLocation at = RowLocation.ofElement(rows, e.getLocation().getLineNr());
    return at.error(file, field, end + JsonSupport.reason(e) + "; " + SHAPE);
  }
}
