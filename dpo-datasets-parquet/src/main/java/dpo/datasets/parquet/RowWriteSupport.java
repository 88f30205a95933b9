package dpo.datasets.parquet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Types;

/**
 * Turns rows into Parquet records for a fixed list of {@link ParquetColumn}s. Lists use the
 * standard three-level form ({@code list}/{@code element}), as pyarrow writes them, so that every
 * Parquet reader reads them as lists.
 */
final class RowWriteSupport extends WriteSupport<ObjectNode> {
  private static final String ROLE = "role";
  private static final String CONTENT = "content";

  private final List<ParquetColumn> columns;
  private final Set<String> names;
  private final MessageType schema;
  private RecordConsumer out;

  RowWriteSupport(List<ParquetColumn> columns) {
    this.columns = List.copyOf(columns);
    this.names = columns.stream().map(ParquetColumn::name).collect(Collectors.toSet());
    List<Type> fields = new ArrayList<>();
    for (ParquetColumn column : this.columns) {
      fields.add(field(column));
    }
    this.schema = new MessageType("schema", fields);
  }

  MessageType schema() {
    return schema;
  }

  @Override
  public WriteContext init(ParquetConfiguration configuration) {
    return new WriteContext(schema, Map.of());
  }

  @Override
  public WriteContext init(Configuration configuration) {
    // Declared by WriteSupport; the writer is built with a ParquetConfiguration, never Hadoop's.
    return new WriteContext(schema, Map.of());
  }

  @Override
  public void prepareForWrite(RecordConsumer recordConsumer) {
    this.out = recordConsumer;
  }

  /**
   * Checks that a row fits the columns, so that a bad row is refused before any of it reaches the
   * column writers (which cannot take back half a record).
   *
   * @throws IllegalArgumentException naming the row, the column and what is wrong
   */
  void check(ObjectNode row, long index) {
    for (Iterator<String> fields = row.fieldNames(); fields.hasNext(); ) {
      String name = fields.next();
      if (!names.contains(name)) {
        throw new IllegalArgumentException(
            "row "
                + index
                + " has a field \""
                + name
                + "\" that is not one of the columns "
                + columns.stream().map(ParquetColumn::name).toList()
                + "; add a column for it or remove it from the row");
      }
    }
    for (ParquetColumn column : columns) {
      JsonNode value = row.get(column.name());
      if (value != null && !value.isNull() && !fits(column.type(), value)) {
        throw new IllegalArgumentException(
            "row "
                + index
                + ", column \""
                + column.name()
                + "\": expected "
                + expected(column.type())
                + ", got "
                + describe(value));
      }
    }
  }

  @Override
  public void write(ObjectNode row) {
    out.startMessage();
    for (int i = 0; i < columns.size(); i++) {
      ParquetColumn column = columns.get(i);
      JsonNode value = row.get(column.name());
      if (value == null || value.isNull()) {
        continue;
      }
      out.startField(column.name(), i);
      switch (column.type()) {
        case STRING -> addString(value);
        case LONG -> out.addLong(value.longValue());
        case DOUBLE -> out.addDouble(value.doubleValue());
        case BOOLEAN -> out.addBoolean(value.booleanValue());
        case STRING_LIST, DOUBLE_LIST, MESSAGES -> addList(column.type(), value);
      }
      out.endField(column.name(), i);
    }
    out.endMessage();
  }

  private void addList(ParquetColumn.Type type, JsonNode array) {
    out.startGroup();
    if (!array.isEmpty()) {
      out.startField("list", 0);
      for (JsonNode element : array) {
        out.startGroup();
        if (!element.isNull()) {
          out.startField("element", 0);
          switch (type) {
            case STRING_LIST -> addString(element);
            case DOUBLE_LIST -> out.addDouble(element.doubleValue());
            default -> addMessage(element);
          }
          out.endField("element", 0);
        }
        out.endGroup();
      }
      out.endField("list", 0);
    }
    out.endGroup();
  }

  private void addMessage(JsonNode message) {
    out.startGroup();
    String[] names = {ROLE, CONTENT};
    for (int i = 0; i < names.length; i++) {
      JsonNode text = message.get(names[i]);
      if (text != null && !text.isNull()) {
        out.startField(names[i], i);
        addString(text);
        out.endField(names[i], i);
      }
    }
    out.endGroup();
  }

  private void addString(JsonNode text) {
    out.addBinary(Binary.fromString(text.textValue()));
  }

  private static boolean fits(ParquetColumn.Type type, JsonNode value) {
    return switch (type) {
      case STRING -> value.isTextual();
      case LONG -> value.isIntegralNumber() && value.canConvertToLong();
      case DOUBLE -> value.isNumber();
      case BOOLEAN -> value.isBoolean();
      case STRING_LIST -> value.isArray() && allElements(value, JsonNode::isTextual);
      case DOUBLE_LIST -> value.isArray() && allElements(value, JsonNode::isNumber);
      case MESSAGES -> value.isArray() && allElements(value, RowWriteSupport::isMessage);
    };
  }

  private static boolean allElements(JsonNode array, Predicate<JsonNode> ok) {
    for (JsonNode element : array) {
      if (!element.isNull() && !ok.test(element)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isMessage(JsonNode message) {
    if (!message.isObject()) {
      return false;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = message.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      boolean known = field.getKey().equals(ROLE) || field.getKey().equals(CONTENT);
      if (!known || !(field.getValue().isNull() || field.getValue().isTextual())) {
        return false;
      }
    }
    return true;
  }

  private static String expected(ParquetColumn.Type type) {
    return switch (type) {
      case STRING -> "a string";
      case LONG -> "an integer within 64 bits";
      case DOUBLE -> "a number";
      case BOOLEAN -> "true or false";
      case STRING_LIST -> "an array of strings";
      case DOUBLE_LIST -> "an array of numbers";
      case MESSAGES ->
          "an array of objects whose only fields are \"role\" and \"content\", both strings";
    };
  }

  private static String describe(JsonNode value) {
    String text = value.toString();
    return value.getNodeType().name().toLowerCase(Locale.ROOT)
        + " "
        + (text.length() <= 60 ? text : text.substring(0, 60) + "...");
  }

  private static Type field(ParquetColumn column) {
    String name = column.name();
    return switch (column.type()) {
      case STRING -> string(name);
      case LONG -> Types.optional(PrimitiveTypeName.INT64).named(name);
      case DOUBLE -> Types.optional(PrimitiveTypeName.DOUBLE).named(name);
      case BOOLEAN -> Types.optional(PrimitiveTypeName.BOOLEAN).named(name);
      case STRING_LIST -> list(name, string("element"));
      case DOUBLE_LIST -> list(name, Types.optional(PrimitiveTypeName.DOUBLE).named("element"));
      case MESSAGES ->
          list(name, new GroupType(Repetition.OPTIONAL, "element", string(ROLE), string(CONTENT)));
    };
  }

  private static PrimitiveType string(String name) {
    return Types.optional(PrimitiveTypeName.BINARY)
        .as(LogicalTypeAnnotation.stringType())
        .named(name);
  }

  private static Type list(String name, Type element) {
    return Types.optionalGroup()
        .as(LogicalTypeAnnotation.listType())
        .addField(new GroupType(Repetition.REPEATED, "list", element))
        .named(name);
  }
}
