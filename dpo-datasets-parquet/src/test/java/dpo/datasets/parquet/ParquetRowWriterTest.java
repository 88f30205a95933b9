package dpo.datasets.parquet;

import static dpo.datasets.parquet.ParquetFiles.json;
import static dpo.datasets.parquet.ParquetFiles.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.DpoException;
import dpo.datasets.parquet.ParquetRowWriter.Compression;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ParquetRowWriterTest {
  private static final List<ParquetColumn> ALL_TYPES =
      List.of(
          ParquetColumn.of("prompt", "string"),
          ParquetColumn.of("id", "long"),
          ParquetColumn.of("score", "double"),
          ParquetColumn.of("safe", "boolean"),
          ParquetColumn.of("responses", "list<string>"),
          ParquetColumn.of("rewards", "list<double>"),
          ParquetColumn.of("chosen", "list<struct{role,content}>"));

  // What the reader gives back for each row of sampleRows(): every column, in column order.
  private static final List<String> READ_BACK =
      List.of(
          "{\"prompt\":\"2+2?\",\"id\":9223372036854775807,\"score\":0.1,\"safe\":true,"
              + "\"responses\":[\"4\",\"four ✓\"],\"rewards\":[1.5,-2.0],"
              + "\"chosen\":[{\"role\":\"user\",\"content\":\"2+2?\"},"
              + "{\"role\":\"assistant\",\"content\":\"4\"}]}",
          "{\"prompt\":null,\"id\":-9223372036854775808,\"score\":3.0,\"safe\":false,"
              + "\"responses\":[],\"rewards\":[],\"chosen\":[]}",
          "{\"prompt\":\"\",\"id\":null,\"score\":null,\"safe\":null,\"responses\":[null,\"x\"],"
              + "\"rewards\":[null,\"NaN\",\"-Infinity\"],"
              + "\"chosen\":[null,{\"role\":null,\"content\":\"only content\"},"
              + "{\"role\":\"system\",\"content\":null}]}",
          "{\"prompt\":\"missing fields\",\"id\":null,\"score\":null,\"safe\":null,"
              + "\"responses\":null,\"rewards\":null,\"chosen\":null}");

  @TempDir Path dir;

  private static List<ObjectNode> sampleRows() {
    ObjectNode special = json("{\"prompt\": \"\", \"responses\": [null, \"x\"]}");
    special.putNull("id");
    special.putArray("rewards").addNull().add(Double.NaN).add(Double.NEGATIVE_INFINITY);
    special.set(
        "chosen",
        json("{\"c\": [null, {\"content\": \"only content\"},"
                + " {\"role\": \"system\", \"content\": null}]}")
            .get("c"));
    return List.of(
        json(
            "{\"prompt\": \"2+2?\", \"id\": 9223372036854775807, \"score\": 0.1, \"safe\": true,"
                + " \"responses\": [\"4\", \"four ✓\"], \"rewards\": [1.5, -2],"
                + " \"chosen\": [{\"role\": \"user\", \"content\": \"2+2?\"},"
                + " {\"role\": \"assistant\", \"content\": \"4\"}]}"),
        json(
            "{\"prompt\": null, \"id\": -9223372036854775808, \"score\": 3, \"safe\": false,"
                + " \"responses\": [], \"rewards\": [], \"chosen\": []}"),
        special,
        json("{\"prompt\": \"missing fields\"}"));
  }

  private Path write(Path file, Compression compression, CompressionCodecFactory codecs) {
    try (ParquetRowWriter writer =
        new ParquetRowWriter(file, ALL_TYPES, compression, 1 << 20, codecs)) {
      for (ObjectNode row : sampleRows()) {
        writer.write(row);
      }
      assertEquals(4, writer.rowsWritten());
      writer.commit();
    }
    return file;
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void rowsOfEveryColumnTypeReadBackAsWritten(Compression compression) throws IOException {
    Path file = write(dir.resolve("all.parquet"), compression, new PageCodecs());

    assertEquals(READ_BACK, rows(file));
    try (ParquetRowReader reader = new ParquetRowReader(file)) {
      reader.next();
      reader.next();
      // Jackson prints NaN and infinities quoted; they are numbers all the same.
      JsonNode rewards = reader.next().get("rewards");
      assertTrue(Double.isNaN(rewards.get(1).doubleValue()) && rewards.get(1).isDouble());
      assertEquals(Double.NEGATIVE_INFINITY, rewards.get(2).doubleValue());
    }
    assertEquals(
        compression.name(),
        ParquetFiles.footer(file)
            .getRow_groups()
            .get(0)
            .getColumns()
            .get(0)
            .getMeta_data()
            .getCodec()
            .name());
  }

  @ParameterizedTest
  @EnumSource(
      value = Compression.class,
      names = {"SNAPPY", "ZSTD"})
  void pagesOfTheNativeLibrariesAndOursAreInterchangeable(Compression compression)
      throws IOException {
    // Compressed by the C libraries (as pyarrow's files are), decompressed by ours...
    Path nativeFile = write(dir.resolve("native.parquet"), compression, new NativeCodecs());
    List<String> expected = rows(write(dir.resolve("ours.parquet"), compression, new PageCodecs()));
    assertEquals(expected, rows(nativeFile));
    // ... and compressed by ours, decompressed by the C libraries.
    assertEquals(expected, readWith(dir.resolve("ours.parquet"), new NativeCodecs()));
  }

  @Test
  void smallRowGroupsNumberRowsAndRowGroupsAsTheFooterDoes() throws IOException {
    Path file = dir.resolve("many.parquet");
    int count = 2_500;
    try (ParquetRowWriter writer =
        new ParquetRowWriter(file, ALL_TYPES.subList(0, 2), Compression.ZSTD, 1)) {
      for (int i = 0; i < count; i++) {
        writer.write(json("{\"prompt\": \"row " + i + "\", \"id\": " + i + "}"));
      }
      writer.commit();
    }
    List<RowGroup> groups = ParquetFiles.footer(file).getRow_groups();
    assertTrue(groups.size() >= 10, groups.size() + " row groups");
    List<Long> expectedGroupOfRow = new ArrayList<>();
    for (int g = 0; g < groups.size(); g++) {
      for (long r = 0; r < groups.get(g).getNum_rows(); r++) {
        expectedGroupOfRow.add((long) g);
      }
    }

    List<Long> groupOfRow = new ArrayList<>();
    try (ParquetRowReader reader = new ParquetRowReader(file)) {
      assertEquals(count, reader.rowCount());
      for (ObjectNode row = reader.next(); row != null; row = reader.next()) {
        assertEquals(groupOfRow.size(), reader.row());
        assertEquals(reader.row(), row.get("id").longValue());
        assertEquals("row " + reader.row(), row.get("prompt").textValue());
        groupOfRow.add(reader.rowGroup());
      }
    }
    assertEquals(expectedGroupOfRow, groupOfRow);
  }

  // ---- atomicity ----

  @Test
  void closingWithoutCommitLeavesTheTargetAsItWasAndNoTemporaryFile() throws IOException {
    Path file = Files.writeString(dir.resolve("data.parquet"), "old content");
    try (ParquetRowWriter writer = new ParquetRowWriter(file, ALL_TYPES)) {
      writer.write(sampleRows().get(0));
      // An exception here (say, from the reader feeding the writer) skips the commit.
    }

    assertEquals("old content", Files.readString(file));
    assertEquals(Set.of("data.parquet"), names(dir));
  }

  @Test
  void commitReplacesAnExistingFileAndCreatesMissingFolders() throws IOException {
    Path file = Files.createDirectories(dir.resolve("a/b")).resolve("data.parquet");
    Files.writeString(file, "old content");
    write(file, Compression.SNAPPY, new PageCodecs());
    Path nested = dir.resolve("x/y/z.parquet");
    write(nested, Compression.SNAPPY, new PageCodecs());

    assertEquals(4, rows(file).size());
    assertEquals(4, rows(nested).size());
    assertEquals(Set.of("data.parquet"), names(file.getParent()));
  }

  @Test
  void aCommitThatCannotMoveTheFileKeepsTheTargetAndCleansUp() throws IOException {
    Path target = Files.createDirectory(dir.resolve("taken.parquet"));
    Files.writeString(target.resolve("keep.txt"), "kept");
    ParquetRowWriter writer = new ParquetRowWriter(target, ALL_TYPES);
    writer.write(sampleRows().get(0));

    DpoException e = assertThrows(DpoException.class, writer::commit);
    assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("writable"), e.getMessage());
    assertEquals(Set.of("keep.txt"), names(target));
    assertEquals(Set.of("taken.parquet"), names(dir));
    assertThrows(IllegalStateException.class, () -> writer.write(sampleRows().get(0)));
    writer.close();
  }

  @Test
  void aCommittedOrClosedWriterRefusesMoreWork() throws IOException {
    Path file = dir.resolve("done.parquet");
    ParquetRowWriter writer = new ParquetRowWriter(file, ALL_TYPES);
    writer.commit();
    writer.close();

    assertThrows(IllegalStateException.class, () -> writer.write(sampleRows().get(0)));
    assertThrows(IllegalStateException.class, writer::commit);
    assertEquals(List.of(), rows(file));
  }

  // ---- rows that do not fit ----

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"prompt\": 5}|column \"prompt\": expected a string, got number 5",
        "{\"id\": 1.5}|column \"id\": expected an integer within 64 bits",
        "{\"id\": 18446744073709551616}|column \"id\": expected an integer within 64 bits",
        "{\"score\": \"1\"}|column \"score\": expected a number, got string \"1\"",
        "{\"safe\": 1}|column \"safe\": expected true or false",
        "{\"responses\": [\"a\", 1]}|column \"responses\": expected an array of strings",
        "{\"rewards\": 1.0}|column \"rewards\": expected an array of numbers",
        "{\"chosen\": [{\"role\": \"user\", \"text\": \"hi\"}]}|column \"chosen\": expected an"
            + " array of objects whose only fields are \"role\" and \"content\"",
        "{\"chosen\": [\"hi\"]}|column \"chosen\"",
        "{\"answer\": \"x\"}|has a field \"answer\" that is not one of the columns",
      })
  void aRowThatDoesNotFitIsRefusedAndTheWriterStaysUsable(String rowAndMessage) throws IOException {
    String[] parts = rowAndMessage.split("\\|");
    Path file = dir.resolve("partial.parquet");
    try (ParquetRowWriter writer = new ParquetRowWriter(file, ALL_TYPES)) {
      writer.write(json("{\"prompt\": \"first\"}"));
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> writer.write(json(parts[0])));
      assertTrue(e.getMessage().startsWith("row 1"), e.getMessage());
      assertTrue(e.getMessage().contains(parts[1]), e.getMessage());
      writer.write(json("{\"prompt\": \"third\"}"));
      assertEquals(2, writer.rowsWritten());
      writer.commit();
    }

    assertEquals(
        List.of("first", "third"),
        rows(file).stream().map(r -> json(r).get("prompt").textValue()).toList());
  }

  @Test
  void badColumnListsAndSizesAreRefused() {
    Path file = dir.resolve("x.parquet");
    assertThrows(IllegalArgumentException.class, () -> new ParquetRowWriter(file, List.of()));
    IllegalArgumentException duplicate =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new ParquetRowWriter(
                    file, List.of(ParquetColumn.of("a", "long"), ParquetColumn.of("a", "string"))));
    assertTrue(duplicate.getMessage().contains("\"a\""), duplicate.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> new ParquetRowWriter(file, ALL_TYPES, Compression.ZSTD, 0));
    assertFalse(Files.exists(file));
    assertEquals(Set.of(), names(dir));
  }

  @Test
  void columnTypesParseFromTheirSpellings() {
    assertEquals(
        ParquetColumn.Type.MESSAGES, ParquetColumn.Type.parse("List< Struct{role, content} >"));
    assertEquals(ParquetColumn.Type.DOUBLE_LIST, ParquetColumn.Type.parse("list<double>"));
    assertEquals(new ParquetColumn("n", ParquetColumn.Type.LONG), ParquetColumn.of("n", "LONG"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ParquetColumn.of("n", "int"));
    assertTrue(
        e.getMessage()
            .contains(
                "unknown column type \"int\"; use one of string, long, double, boolean,"
                    + " list<string>, list<double>, list<struct{role,content}>"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ParquetColumn.of(" ", "long"));
  }

  /** Reads a file through parquet-java's own reader with the given codecs. */
  private static List<String> readWith(Path file, CompressionCodecFactory codecs)
      throws IOException {
    ParquetReadOptions options =
        ParquetReadOptions.builder(new PlainParquetConfiguration())
            .withCodecFactory(codecs)
            .build();
    List<String> rows = new ArrayList<>();
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file), options)) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      for (PageReadStore pages = reader.readNextRowGroup();
          pages != null;
          pages = reader.readNextRowGroup()) {
        RecordReader<ObjectNode> records =
            new ColumnIOFactory()
                .getColumnIO(schema)
                .getRecordReader(pages, new JsonRowMaterializer(schema));
        for (long i = 0; i < pages.getRowCount(); i++) {
          rows.add(records.read().toString());
        }
      }
    }
    return rows;
  }

  private static Set<String> names(Path folder) {
    try (Stream<Path> files = Files.list(folder)) {
      return files
          .map(p -> p.getFileName().toString())
          .collect(Collectors.toCollection(TreeSet::new));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
