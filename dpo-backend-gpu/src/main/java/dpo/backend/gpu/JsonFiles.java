package dpo.backend.gpu;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dpo.api.BadDataException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Strict JSON for the files of a checkpoint folder and the headers of safetensors files: one JSON
 * value as RFC 8259 has it (quoted names, double-quoted strings, no comments, no NaN) and nothing
 * but whitespace after it, as Python's {@code json} module reads them. Gson's {@code JsonParser}
 * would take unquoted names, single quotes and trailing text.
 */
public final class JsonFiles {
  private static final TypeAdapter<JsonElement> ELEMENTS = new Gson().getAdapter(JsonElement.class);

  /** Gson's position in its messages: "at line 1 column 29". */
  private static final Pattern WHERE = Pattern.compile("at line (\\d+) column (\\d+)");

  /** What to do about a checkpoint folder's file that is not valid JSON. */
  private static final String RESTORE = "restore the checkpoint's file";

  private JsonFiles() {}

  /**
   * Parses a whole document strictly.
   *
   * @param file the file the text comes from, named in the error
   * @param text the document
   * @param what what the text is ("the header"), or null when it is the whole file
   * @param fix what to do about a document that is not JSON, ending the error message
   * @return the document's value
   * @throws BadDataException if the text is not one valid JSON value
   */
  public static JsonElement parse(Path file, String text, String what, String fix) {
    JsonReader reader = new JsonReader(new StringReader(text));
    reader.setStrictness(Strictness.STRICT);
    try {
      JsonElement value = ELEMENTS.read(reader);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw new JsonParseException(reader.toString());
      }
      return value;
    } catch (IOException | RuntimeException e) {
      String where = where(String.valueOf(e.getMessage()));
      if (where.isEmpty()) {
        where = where(reader.toString());
      }
      throw new BadDataException(
          file,
          0,
          null,
          (what == null ? "" : what + " is ") + "not valid JSON" + where + "; " + fix);
    }
  }

  /**
   * A checkpoint folder's JSON file that must hold an object (config.json, tokenizer.json and the
   * like).
   *
   * @param file the file
   * @return its object
   * @throws BadDataException naming the file if it cannot be read, is not valid JSON or holds
   *     something else than an object
   */
  public static JsonObject readObject(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new BadDataException(file, 0, null, "cannot read: " + e.getMessage());
    }
    return object(file, text);
  }

  /**
   * The object of a checkpoint folder's JSON file, given its text.
   *
   * @param file the file the text comes from, named in the error
   * @param text the document
   * @return its object
   * @throws BadDataException naming the file if the text is not valid JSON or not an object
   */
  public static JsonObject object(Path file, String text) {
    JsonElement json = parse(file, text, null, RESTORE);
    if (!json.isJsonObject()) {
      throw new BadDataException(file, 0, null, "not a JSON object; " + RESTORE);
    }
    return json.getAsJsonObject();
  }

  /** " at line 1, column 29" from Gson's text of a position, or "" if it names none. */
  private static String where(String gsonText) {
    Matcher at = WHERE.matcher(gsonText);
    return at.find() ? " at line " + at.group(1) + ", column " + at.group(2) : "";
  }
}
