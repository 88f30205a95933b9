package dpo.datasets.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.regex.Pattern;

/** The JSON settings every dataset reader and writer shares, and the wording of JSON errors. */
public final class JsonSupport {
  private static final int MAX_QUOTED_TEXT = 40;
  private static final Pattern JACKSON_FEATURE_HINT =
      Pattern.compile(":? *enable `[^`]*` to allow");

  /**
   * The mapper for dataset rows. NaN and Infinity are parsed so that the field checks can name the
   * field and say that numbers must be finite, instead of Jackson telling the user to enable a
   * parser feature. Duplicate field names are an error, because either copy could be the intended
   * one. Strings may be as long as a row: the readers bound the row length themselves.
   */
  public static final ObjectMapper MAPPER =
      new ObjectMapper(
          JsonFactory.builder()
              .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
              .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
              .streamReadConstraints(
                  StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
              .build());

  private JsonSupport() {}

  /**
   * Jackson's reason for a parse failure, without its location (messages give the line) and without
   * its advice to enable parser features, which is for programmers.
   *
   * @param e the failure
   * @return one line
   */
  public static String reason(JsonProcessingException e) {
    String message = Objects.requireNonNullElse(e.getOriginalMessage(), e.getClass().getName());
    int cut = message.indexOf('\n');
    if (cut >= 0) {
      message = message.substring(0, cut);
    }
    cut = message.indexOf(" (start marker at ");
    if (cut >= 0) {
      message = message.substring(0, cut);
    }
    // The parser accepts NaN and Infinity only to reject them with a better message.
    message = message.replace(" (or 'NaN'/'+INF'/'-INF')", "");
    return JACKSON_FEATURE_HINT.matcher(message).replaceAll("").strip();
  }

  /**
   * The field a parser was reading when it failed, as a path such as {@code chosen[1].content}.
   *
   * @param e the failure
   * @return the path, or null at the top level or when unknown
   */
  public static String failedField(JsonProcessingException e) {
    if (!(e.getProcessor() instanceof JsonParser parser)) {
      return null;
    }
    Deque<String> parts = new ArrayDeque<>();
    for (JsonStreamContext c = parser.getParsingContext(); c != null && !c.inRoot(); ) {
      JsonStreamContext parent = c.getParent();
      if (c.inObject()) {
        if (c.getCurrentName() != null) {
          parts.push(c.getCurrentName());
        }
      } else if (c.inArray() && parent != null && !parent.inRoot()) {
        parts.push("[" + Math.max(c.getCurrentIndex(), 0) + "]");
      }
      c = parent;
    }
    if (parts.isEmpty()) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    for (String part : parts) {
      if (sb.length() > 0 && !part.startsWith("[")) {
        sb.append('.');
      }
      sb.append(part);
    }
    return sb.toString();
  }

  /**
   * A short description of a JSON value for messages, e.g. {@code number 5} or {@code string
   * "abc"}.
   *
   * @param node the value
   * @return the description
   */
  public static String describe(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing";
    }
    return switch (node.getNodeType()) {
      case STRING -> "string " + quote(node.textValue());
      case NUMBER -> "number " + node.asText();
      case BOOLEAN -> node.asText();
      case NULL -> "null";
      case ARRAY -> node.isEmpty() ? "an empty array" : "an array";
      case OBJECT -> "an object";
      default -> node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    };
  }

  /**
   * Quotes text for a message, cut to a readable length.
   *
   * @param text the text
   * @return the quoted text
   */
  public static String quote(String text) {
    return "\"" + abbreviate(text) + "\"";
  }

  /**
   * Cuts text to a readable length so that a message stays one short line.
   *
   * @param text the text
   * @return at most about 40 characters
   */
  public static String abbreviate(String text) {
    return text.length() <= MAX_QUOTED_TEXT ? text : text.substring(0, MAX_QUOTED_TEXT) + "...";
  }
}
