package dpo.datasets.parquet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.FloatNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.IntLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Builds one Jackson object per Parquet record, straight from parquet-column's converter events (no
 * intermediate record type).
 *
 * <p>Every field of a group is present in its object, in schema order: a missing optional value is
 * {@code null}, a repeated field outside a LIST is an array (empty when it has no values).
 */
final class JsonRowMaterializer extends RecordMaterializer<ObjectNode> {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final long JULIAN_DAY_OF_EPOCH = 2_440_588L;
  private static final long NANOS_PER_DAY = 86_400_000_000_000L;

  private final GroupConverter root;
  private ObjectNode record;

  JsonRowMaterializer(MessageType schema) {
    root = new StructConverter(schema, "", value -> record = (ObjectNode) value);
  }

  @Override
  public ObjectNode getCurrentRecord() {
    return record;
  }

  @Override
  public GroupConverter getRootConverter() {
    return root;
  }

  /**
   * A value that the schema allows but that cannot be turned into JSON, e.g. a bad UTF-8 string.
   */
  static final class BadValueException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String column;

    BadValueException(String column, String problem) {
      super(problem);
      this.column = column;
    }

    String column() {
      return column;
    }
  }

  private static Converter converterFor(Type type, String path, Consumer<JsonNode> sink) {
    if (type.isPrimitive()) {
      return new LeafConverter(type.asPrimitiveType(), path, sink);
    }
    GroupType group = type.asGroupType();
    LogicalTypeAnnotation annotation = group.getLogicalTypeAnnotation();
    boolean oneRepeatedChild =
        group.getFieldCount() == 1 && group.getType(0).isRepetition(Type.Repetition.REPEATED);
    if (annotation instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation && oneRepeatedChild) {
      return new ListConverter(group, path, sink);
    }
    if ((annotation instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation
            || annotation instanceof LogicalTypeAnnotation.MapKeyValueTypeAnnotation)
        && oneRepeatedChild) {
      Type entries = group.getType(0);
      if (!entries.isPrimitive()
          && entries.asGroupType().getFieldCount() == 2
          && isText(entries.asGroupType().getType(0))) {
        return new MapConverter(entries.asGroupType(), path, sink);
      }
      // Keys that are not strings cannot be JSON member names: keep the entries as a list of
      // {key, value} objects, which is what the group is without its annotation.
      return new ListConverter(group, path, sink);
    }
    return new StructConverter(group, path, sink);
  }

  /**
   * The dotted path of a field, as Parquet tools name leaf columns (e.g. {@code
   * chosen.list.element.content}), so that messages match the footer's column names.
   */
  private static String child(String path, Type field) {
    return path.isEmpty() ? field.getName() : path + "." + field.getName();
  }

  private static boolean isText(Type type) {
    if (!type.isPrimitive()
        || type.asPrimitiveType().getPrimitiveTypeName() != PrimitiveTypeName.BINARY) {
      return false;
    }
    LogicalTypeAnnotation annotation = type.getLogicalTypeAnnotation();
    return annotation instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
        || annotation instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation;
  }

  /** A group without list or map meaning: a JSON object with one member per field. */
  private static final class StructConverter extends GroupConverter {
    private final String[] names;
    private final boolean[] repeated;
    private final Converter[] children;
    private final Consumer<JsonNode> sink;
    private ObjectNode current;

    StructConverter(GroupType group, String path, Consumer<JsonNode> sink) {
      this.sink = sink;
      int n = group.getFieldCount();
      names = new String[n];
      repeated = new boolean[n];
      children = new Converter[n];
      for (int i = 0; i < n; i++) {
        Type field = group.getType(i);
        String name = field.getName();
        names[i] = name;
        repeated[i] = field.isRepetition(Type.Repetition.REPEATED);
        String fieldPath = child(path, field);
        Consumer<JsonNode> fieldSink =
            repeated[i]
                ? value -> ((ArrayNode) current.get(name)).add(value)
                : value -> current.set(name, value);
        children[i] = converterFor(field, fieldPath, fieldSink);
      }
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      return children[fieldIndex];
    }

    @Override
    public void start() {
      current = NODES.objectNode();
      for (int i = 0; i < names.length; i++) {
        if (repeated[i]) {
          current.putArray(names[i]);
        } else {
          current.putNull(names[i]);
        }
      }
    }

    @Override
    public void end() {
      sink.accept(current);
    }
  }

  /**
   * A LIST group: a JSON array. The element is found by the Parquet format's rules for lists
   * written before the three-level form was fixed: a repeated primitive, a repeated group of
   * several fields, or a repeated group named {@code array} or {@code <list>_tuple} is itself the
   * element; otherwise the repeated group wraps the element (the standard three-level form).
   */
  private static final class ListConverter extends GroupConverter {
    private final Converter elements;
    private final Consumer<JsonNode> sink;
    private ArrayNode current;

    ListConverter(GroupType list, String path, Consumer<JsonNode> sink) {
      this.sink = sink;
      Type repeated = list.getType(0);
      String repeatedPath = child(path, repeated);
      Consumer<JsonNode> add = value -> current.add(value);
      if (isElement(list, repeated)) {
        elements = converterFor(repeated, repeatedPath, add);
      } else {
        Type element = repeated.asGroupType().getType(0);
        elements = new ElementConverter(element, child(repeatedPath, element), add);
      }
    }

    private static boolean isElement(GroupType list, Type repeated) {
      if (repeated.isPrimitive()) {
        return true;
      }
      GroupType group = repeated.asGroupType();
      return group.getFieldCount() != 1
          || group.getType(0).isRepetition(Type.Repetition.REPEATED)
          || repeated.getName().equals("array")
          || repeated.getName().equals(list.getName() + "_tuple");
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      return elements;
    }

    @Override
    public void start() {
      current = NODES.arrayNode();
    }

    @Override
    public void end() {
      sink.accept(current);
    }
  }

  /** The repeated group of a three-level list: one element per occurrence, null if absent. */
  private static final class ElementConverter extends GroupConverter {
    private final Converter element;
    private final Consumer<JsonNode> sink;
    private JsonNode current;

    ElementConverter(Type element, String path, Consumer<JsonNode> sink) {
      this.sink = sink;
      this.element = converterFor(element, path, value -> current = value);
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      return element;
    }

    @Override
    public void start() {
      current = NullNode.getInstance();
    }

    @Override
    public void end() {
      sink.accept(current);
    }
  }

  /** A MAP with string keys: a JSON object. */
  private static final class MapConverter extends GroupConverter {
    private final Consumer<JsonNode> sink;
    private final GroupConverter entry;
    private ObjectNode current;
    private String key;
    private JsonNode value;

    MapConverter(GroupType entries, String path, Consumer<JsonNode> sink) {
      this.sink = sink;
      String entryPath = child(path, entries);
      Type keyType = entries.getType(0);
      Type valueType = entries.getType(1);
      Converter keys = converterFor(keyType, child(entryPath, keyType), k -> key = k.asText());
      Converter values = converterFor(valueType, child(entryPath, valueType), v -> value = v);
      entry =
          new GroupConverter() {
            @Override
            public Converter getConverter(int fieldIndex) {
              return fieldIndex == 0 ? keys : values;
            }

            @Override
            public void start() {
              key = null;
              value = NullNode.getInstance();
            }

            @Override
            public void end() {
              // A null key breaks the format's rule that keys are required; such an entry has
              // no name to go under.
              if (key != null) {
                current.set(key, value);
              }
            }
          };
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      return entry;
    }

    @Override
    public void start() {
      current = NODES.objectNode();
    }

    @Override
    public void end() {
      sink.accept(current);
    }
  }

  /**
   * A primitive column. Strings must be valid UTF-8; logical types with an obvious JSON form are
   * given it (decimals as exact numbers, dates and times as ISO-8601 text, UUIDs as text), and
   * bytes without a textual meaning become a binary node, which Jackson writes as base64.
   */
  private static final class LeafConverter extends PrimitiveConverter {
    private final PrimitiveType type;
    private final String path;
    private final Consumer<JsonNode> sink;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
    private final Function<Binary, JsonNode> binaries;
    private Dictionary dictionary;
    private JsonNode[] decoded;

    LeafConverter(PrimitiveType type, String path, Consumer<JsonNode> sink) {
      this.type = type;
      this.path = path;
      this.sink = sink;
      this.binaries = binaryDecoder();
    }

    @Override
    public boolean hasDictionarySupport() {
      return true;
    }

    @Override
    public void setDictionary(Dictionary dictionary) {
      this.dictionary = dictionary;
      this.decoded = new JsonNode[dictionary.getMaxId() + 1];
    }

    @Override
    public void addValueFromDictionary(int id) {
      // Each entry is decoded once per column chunk; value nodes are immutable, so rows share them.
      JsonNode node = decoded[id];
      if (node == null) {
        node =
            switch (type.getPrimitiveTypeName()) {
              case BOOLEAN -> BooleanNode.valueOf(dictionary.decodeToBoolean(id));
              case INT32 -> ofInt(dictionary.decodeToInt(id));
              case INT64 -> ofLong(dictionary.decodeToLong(id));
              case FLOAT -> FloatNode.valueOf(dictionary.decodeToFloat(id));
              case DOUBLE -> DoubleNode.valueOf(dictionary.decodeToDouble(id));
              default -> binaries.apply(dictionary.decodeToBinary(id));
            };
        decoded[id] = node;
      }
      sink.accept(node);
    }

    @Override
    public void addBinary(Binary value) {
      sink.accept(binaries.apply(value));
    }

    @Override
    public void addBoolean(boolean value) {
      sink.accept(BooleanNode.valueOf(value));
    }

    @Override
    public void addDouble(double value) {
      sink.accept(DoubleNode.valueOf(value));
    }

    @Override
    public void addFloat(float value) {
      sink.accept(FloatNode.valueOf(value));
    }

    @Override
    public void addInt(int value) {
      sink.accept(ofInt(value));
    }

    @Override
    public void addLong(long value) {
      sink.accept(ofLong(value));
    }

    private JsonNode ofInt(int value) {
      LogicalTypeAnnotation annotation = type.getLogicalTypeAnnotation();
      if (annotation instanceof DecimalLogicalTypeAnnotation decimal) {
        return DecimalNode.valueOf(BigDecimal.valueOf(value, decimal.getScale()));
      }
      if (annotation instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
        return TextNode.valueOf(LocalDate.ofEpochDay(value).toString());
      }
      if (annotation instanceof TimeLogicalTypeAnnotation) {
        return time(value, TimeUnit.MILLIS);
      }
      if (annotation instanceof IntLogicalTypeAnnotation ints && !ints.isSigned()) {
        return LongNode.valueOf(Integer.toUnsignedLong(value));
      }
      return IntNode.valueOf(value);
    }

    private JsonNode ofLong(long value) {
      LogicalTypeAnnotation annotation = type.getLogicalTypeAnnotation();
      if (annotation instanceof DecimalLogicalTypeAnnotation decimal) {
        return DecimalNode.valueOf(BigDecimal.valueOf(value, decimal.getScale()));
      }
      if (annotation instanceof TimestampLogicalTypeAnnotation timestamp) {
        Instant instant = Instant.EPOCH.plus(value, chronoUnit(timestamp.getUnit()));
        // Only a UTC-adjusted timestamp is an instant; the other kind is a wall-clock reading.
        return TextNode.valueOf(
            timestamp.isAdjustedToUTC()
                ? instant.toString()
                : instant.atOffset(ZoneOffset.UTC).toLocalDateTime().toString());
      }
      if (annotation instanceof TimeLogicalTypeAnnotation time) {
        return time(value, time.getUnit());
      }
      if (annotation instanceof IntLogicalTypeAnnotation ints && !ints.isSigned() && value < 0) {
        return BigIntegerNode.valueOf(new BigInteger(Long.toUnsignedString(value)));
      }
      return LongNode.valueOf(value);
    }

    private JsonNode time(long value, TimeUnit unit) {
      long nanosPerUnit = chronoUnit(unit).getDuration().toNanos();
      long nanos = value >= 0 && value <= Long.MAX_VALUE / nanosPerUnit ? value * nanosPerUnit : -1;
      if (nanos < 0 || nanos >= NANOS_PER_DAY) {
        throw new BadValueException(path, "time of day " + value + " " + unit + " is out of range");
      }
      return TextNode.valueOf(LocalTime.ofNanoOfDay(nanos).toString());
    }

    private static ChronoUnit chronoUnit(TimeUnit unit) {
      return switch (unit) {
        case MILLIS -> ChronoUnit.MILLIS;
        case MICROS -> ChronoUnit.MICROS;
        case NANOS -> ChronoUnit.NANOS;
      };
    }

    private Function<Binary, JsonNode> binaryDecoder() {
      LogicalTypeAnnotation annotation = type.getLogicalTypeAnnotation();
      if (annotation instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
          || annotation instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
          || annotation instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation) {
        return this::text;
      }
      if (annotation instanceof DecimalLogicalTypeAnnotation decimal) {
        return value ->
            DecimalNode.valueOf(
                new BigDecimal(new BigInteger(value.getBytes()), decimal.getScale()));
      }
      if (annotation instanceof LogicalTypeAnnotation.UUIDLogicalTypeAnnotation) {
        return value -> {
          ByteBuffer bytes = value.toByteBuffer();
          return TextNode.valueOf(new UUID(bytes.getLong(), bytes.getLong()).toString());
        };
      }
      if (type.getPrimitiveTypeName() == PrimitiveTypeName.INT96) {
        return JsonRowMaterializer.LeafConverter::int96Timestamp;
      }
      return value -> BinaryNode.valueOf(value.getBytes());
    }

    private JsonNode text(Binary value) {
      try {
        CharBuffer chars = utf8.reset().decode(value.toByteBuffer());
        return TextNode.valueOf(chars.toString());
      } catch (CharacterCodingException e) {
        throw new BadValueException(
            path, "a string is not valid UTF-8; rewrite the file with the text encoded as UTF-8");
      }
    }

    /**
     * The legacy INT96 timestamp of Impala, Hive and older Spark: nanoseconds of the day, then the
     * Julian day, both little-endian.
     */
    private static JsonNode int96Timestamp(Binary value) {
      ByteBuffer bytes = value.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      long nanosOfDay = bytes.getLong();
      long epochDay = bytes.getInt() - JULIAN_DAY_OF_EPOCH;
      return TextNode.valueOf(
          Instant.EPOCH
              .plus(epochDay, ChronoUnit.DAYS)
              .plus(nanosOfDay, ChronoUnit.NANOS)
              .toString());
    }
  }
}
