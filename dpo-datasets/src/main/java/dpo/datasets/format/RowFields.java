package dpo.datasets.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.BadDataException;
import dpo.api.data.Content;
import dpo.api.data.DataFormat;
import dpo.api.data.Message;
import dpo.datasets.io.JsonSupport;
import dpo.datasets.io.RowLocation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Pattern;

/**
 * Typed access to the fields of one row, with errors that name the file, the row, the field (as a
 * path such as {@code chosen[1].content}), what was found and how to fix it.
 */
final class RowFields {
  private static final Pattern JSON_NUMBER =
      Pattern.compile("-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?");
  private static final String MESSAGES = "a list of {\"role\": ..., \"content\": ...} messages";

  private final ObjectNode row;
  private final Path file;
  private final RowLocation location;
  private final DataFormat format;
  private final String example;

  RowFields(ObjectNode row, Path file, RowLocation location, DataFormat format) {
    this(row, file, location, format, format.example());
  }

  /** For rows of a schema that is no {@link DataFormat}, such as training text. */
  RowFields(ObjectNode row, Path file, RowLocation location, String example) {
    this(row, file, location, null, example);
  }

  private RowFields(
      ObjectNode row, Path file, RowLocation location, DataFormat format, String example) {
    this.row = row;
    this.file = file;
    this.location = location;
    this.format = format;
    this.example = example;
  }

  /** Whether the row has a field with a value other than null. */
  boolean has(String field) {
    JsonNode value = row.get(field);
    return value != null && !value.isNull();
  }

  BadDataException fail(String field, String problem) {
    return location.error(file, field, problem);
  }

  /** A field that must be present and not null. */
  JsonNode required(String field) {
    JsonNode value = row.get(field);
    if (value != null && !value.isNull()) {
      return value;
    }
    List<String> names = new ArrayList<>();
    row.fieldNames().forEachRemaining(names::add);
    String found = value == null ? "missing field" : "the field is null";
    if (format == null) {
      throw fail(field, found + "; the row has " + names + "; add it, e.g. " + example);
    }
    // Another format is suggested only for a row with none of this format's own fields: a row
    // that has some of them is a broken row of this format, not a row of another.
    boolean ownFields =
        format.requiredFields().stream().filter(f -> !f.equals("prompt")).anyMatch(names::contains);
    Optional<DataFormat> other =
        FormatDetection.detect(names).filter(f -> f != format && !ownFields);
    String fix =
        other.isPresent()
            ? "the row's fields look like the "
                + other.get().id()
                + " format: read the file with --format "
                + other.get().id()
            : "add it; every "
                + format.id()
                + " row needs "
                + format.requiredFields()
                + ", e.g. "
                + format.example();
    throw fail(field, found + "; the row has " + names + "; " + fix);
  }

  String string(String field) {
    JsonNode value = required(field);
    if (!value.isTextual()) {
      throw wrongType(field, "a string", value);
    }
    return value.textValue();
  }

  /** Plain text or a conversation. */
  Content content(String field) {
    JsonNode value = required(field);
    if (value.isTextual()) {
      return Content.of(value.textValue());
    }
    if (value.isArray()) {
      return Content.of(messages(field, value));
    }
    throw wrongType(field, "a string or " + MESSAGES, value);
  }

  /** A conversation; plain text is not accepted. */
  List<Message> messages(String field) {
    JsonNode value = required(field);
    if (!value.isArray()) {
      throw wrongType(field, MESSAGES, value);
    }
    return messages(field, value);
  }

  List<String> strings(String field) {
    JsonNode value = required(field);
    if (!value.isArray()) {
      throw wrongType(field, "a list of strings", value);
    }
    if (value.isEmpty()) {
      throw fail(field, "the list is empty; it needs at least one string");
    }
    List<String> strings = new ArrayList<>(value.size());
    for (int i = 0; i < value.size(); i++) {
      JsonNode item = value.get(i);
      if (!item.isTextual()) {
        throw wrongType(field + "[" + i + "]", "a string", item);
      }
      strings.add(item.textValue());
    }
    return strings;
  }

  /** A list of finite numbers. */
  List<Double> numbers(String field) {
    JsonNode value = required(field);
    if (!value.isArray()) {
      throw wrongType(field, "a list of numbers", value);
    }
    List<Double> numbers = new ArrayList<>(value.size());
    for (int i = 0; i < value.size(); i++) {
      numbers.add(number(field + "[" + i + "]", value.get(i)));
    }
    return numbers;
  }

  /** A finite number, if the field is present and not null. */
  OptionalDouble optionalNumber(String field) {
    return has(field) ? OptionalDouble.of(number(field, row.get(field))) : OptionalDouble.empty();
  }

  /** 0 or 1, the index of one of two responses. */
  int responseId(String field) {
    JsonNode value = required(field);
    if (value.isNumber() && (value.doubleValue() == 0 || value.doubleValue() == 1)) {
      return value.intValue();
    }
    throw wrongType(field, "0 (response_0) or 1 (response_1)", value);
  }

  boolean bool(String field) {
    JsonNode value = required(field);
    if (!value.isBoolean()) {
      throw wrongType(field, "true or false", value);
    }
    return value.booleanValue();
  }

  private double number(String field, JsonNode value) {
    if (!value.isNumber()) {
      throw wrongType(field, "a number", value);
    }
    double x = value.doubleValue();
    if (!Double.isFinite(x)) {
      throw fail(
          field,
          (Double.isNaN(x)
                  ? "NaN is not a number"
                  : "the number is infinite or beyond the range of a double (about 1.8e308)")
              + "; every number must be finite, so recompute, rescale or drop the value");
    }
    return x;
  }

  private List<Message> messages(String field, JsonNode list) {
    if (list.isEmpty()) {
      throw fail(field, "the message list is empty; a conversation needs at least one message");
    }
    List<Message> messages = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      String at = field + "[" + i + "]";
      JsonNode item = list.get(i);
      if (!item.isObject()) {
        throw wrongType(at, "a {\"role\": ..., \"content\": ...} message", item);
      }
      JsonNode role = item.get("role");
      if (role == null || !role.isTextual() || role.textValue().isBlank()) {
        throw role == null
            ? fail(at + ".role", "missing field; every message needs a role such as \"user\"")
            : wrongType(at + ".role", "a role such as \"user\" or \"assistant\"", role);
      }
      JsonNode content = item.get("content");
      if (content == null || !content.isTextual()) {
        throw content == null
            ? fail(at + ".content", "missing field; every message needs its text as content")
            : wrongType(at + ".content", "a string", content);
      }
      messages.add(new Message(role.textValue(), content.textValue()));
    }
    return messages;
  }

  private BadDataException wrongType(String field, String expected, JsonNode found) {
    String fix;
    if (found.isTextual() && JSON_NUMBER.matcher(found.textValue().strip()).matches()) {
      fix = "remove the quotes around the number";
    } else if (found.isTextual()
        && (found.textValue().equals("true") || found.textValue().equals("false"))) {
      fix = "remove the quotes around " + found.textValue();
    } else {
      fix = "fix the row, e.g. " + example;
    }
    return fail(
        field, "expected " + expected + ", got " + JsonSupport.describe(found) + "; " + fix);
  }
}
