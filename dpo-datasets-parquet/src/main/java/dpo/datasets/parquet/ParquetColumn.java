package dpo.datasets.parquet;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A column that {@link ParquetRowWriter} writes: its name and one of a few types, enough for
 * prompt, preference and generation datasets. Every column is optional (a row may hold null or
 * leave it out), and so is every list element and struct field.
 *
 * @param name the column name, also the row's field name; not blank
 * @param type what the column holds
 */
public record ParquetColumn(String name, Type type) {
  /**
   * Validates the column.
   *
   * @param name the column name, also the row's field name; not blank
   * @param type what the column holds
   */
  public ParquetColumn {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    if (name.isBlank()) {
      throw new IllegalArgumentException("a column name must not be blank, got \"" + name + "\"");
    }
  }

  /**
   * A column from a type's spelling, e.g. {@code ParquetColumn.of("chosen",
   * "list<struct{role,content}>")}.
   *
   * @param name the column name
   * @param type the type's spelling, see {@link Type#parse(String)}
   * @return the column
   * @throws IllegalArgumentException if the name is blank or the type unknown
   */
  public static ParquetColumn of(String name, String type) {
    return new ParquetColumn(name, Type.parse(type));
  }

  /** The column types, each with its spelling and the JSON value a row holds for it. */
  public enum Type {
    /** {@code string}: a JSON string; Parquet {@code binary (STRING)}. */
    STRING("string"),
    /** {@code long}: a JSON integer within 64 bits; Parquet {@code int64}. */
    LONG("long"),
    /** {@code double}: any JSON number; Parquet {@code double}. */
    DOUBLE("double"),
    /** {@code boolean}: true or false; Parquet {@code boolean}. */
    BOOLEAN("boolean"),
    /** {@code list<string>}: an array of strings, e.g. a generation set's responses. */
    STRING_LIST("list<string>"),
    /** {@code list<double>}: an array of numbers, e.g. the rewards of those responses. */
    DOUBLE_LIST("list<double>"),
    /**
     * {@code list<struct{role,content}>}: a chat, an array of objects with string fields {@code
     * role} and {@code content}, e.g. {@code [{"role": "user", "content": "Hi"}]}.
     */
    MESSAGES("list<struct{role,content}>");

    private final String spelling;

    Type(String spelling) {
      this.spelling = spelling;
    }

    /**
     * The type's spelling.
     *
     * @return e.g. {@code list<string>}
     */
    public String spelling() {
      return spelling;
    }

    /**
     * The type with this spelling; case and white space do not matter.
     *
     * @param spelling one of string, long, double, boolean, list&lt;string&gt;, list&lt;double&gt;,
     *     list&lt;struct{role,content}&gt;
     * @return the type
     * @throws IllegalArgumentException if no type is spelt so; the message lists them all
     */
    public static Type parse(String spelling) {
      Objects.requireNonNull(spelling, "spelling");
      String key = spelling.replaceAll("\\s+", "").toLowerCase(Locale.ROOT);
      for (Type type : values()) {
        if (type.spelling.equals(key)) {
          return type;
        }
      }
      throw new IllegalArgumentException(
          "unknown column type \""
              + spelling
              + "\"; use one of "
              + Arrays.stream(values()).map(Type::spelling).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
      return spelling;
    }
  }
}
