package dpo.datasets.parquet;

import static dpo.datasets.parquet.ParquetFiles.fixture;
import static dpo.datasets.parquet.ParquetFiles.rows;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.BadDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.NanoTime;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ParquetRowReaderTest {
  private static final String TRL = "trl-preference.zstd.parquet";

  @TempDir Path dir;

  // ---- files written by pyarrow, as the Hugging Face hub serves them ----

  @Test
  void readsAZstdPreferenceSetWithChatColumnsRowGroupByRowGroup() throws IOException {
    Path file = fixture(TRL, dir);
    List<String> rows = new ArrayList<>();
    List<String> positions = new ArrayList<>();
    try (ParquetRowReader reader = new ParquetRowReader(file)) {
      assertEquals(5, reader.rowCount());
      assertEquals(-1, reader.rowGroup());
      assertEquals(-1, reader.row());
      for (ObjectNode row = reader.next(); row != null; row = reader.next()) {
        rows.add(row.toString());
        positions.add(reader.rowGroup() + "/" + reader.row());
      }
      assertNull(reader.next());
      assertEquals("2/4", reader.rowGroup() + "/" + reader.row());
    }

    // Row groups of two rows each, as make_fixtures.py wrote them.
    assertEquals(List.of("0/0", "0/1", "1/2", "1/3", "2/4"), positions);
    assertEquals(
        List.of(
            "{\"prompt\":\"2+2?\",\"chosen\":[{\"role\":\"user\",\"content\":\"2+2?\"},"
                + "{\"role\":\"assistant\",\"content\":\"4\"}],"
                + "\"rejected\":[{\"role\":\"user\",\"content\":\"2+2?\"},"
                + "{\"role\":\"assistant\",\"content\":\"5\"}],\"score_chosen\":9.0}",
            "{\"prompt\":\"Capital of France?\","
                + "\"chosen\":[{\"role\":\"user\",\"content\":\"Capital of France?\"},"
                + "{\"role\":\"assistant\",\"content\":\"Paris\"}],"
                + "\"rejected\":[{\"role\":\"user\",\"content\":\"Capital of France?\"},"
                + "{\"role\":\"assistant\",\"content\":\"Lyon\"}],\"score_chosen\":8.5}",
            "{\"prompt\":\"Say hi\",\"chosen\":[{\"role\":\"user\",\"content\":\"Say hi\"},"
                + "{\"role\":\"assistant\",\"content\":\"héllo ✓\"}],\"rejected\":null,"
                + "\"score_chosen\":7.25}",
            "{\"prompt\":\"Empty?\",\"chosen\":[],\"rejected\":[],\"score_chosen\":null}",
            "{\"prompt\":\"Null content\",\"chosen\":[{\"role\":\"assistant\",\"content\":null}],"
                + "\"rejected\":[null],\"score_chosen\":1.0}"),
        rows);
  }

  @Test
  void readsASnappySafetySetWithBooleansIntegersAndAStruct() throws IOException {
    List<String> rows = rows(fixture("pku-saferlhf.snappy.parquet", dir));

    assertEquals(4, rows.size());
    assertEquals(
        "{\"prompt\":\"Is it safe?\",\"response_0\":\"Yes.\",\"response_1\":\"Maybe.\","
            + "\"is_response_0_safe\":null,\"is_response_1_safe\":true,"
            + "\"better_response_id\":1,\"safer_response_id\":0,\"response_0_harm_category\":null}",
        rows.get(2));
    assertEquals(
        "{\"prompt\":\"Last\",\"response_0\":\"A\",\"response_1\":\"B\","
            + "\"is_response_0_safe\":true,\"is_response_1_safe\":false,"
            + "\"better_response_id\":0,\"safer_response_id\":1,\"response_0_harm_category\":"
            + "{\"Endangering National Security\":true,\"Insulting Behavior\":false}}",
        rows.get(3));
  }

  @Test
  void readsGenerationRecordsFromGzipDataPagesOfVersion2() throws IOException {
    assertEquals(
        List.of(
            "{\"prompt\":\"p0\",\"responses\":[\"a\",\"b\",\"c\"],\"rewards\":[0.5,-1.25,null]}",
            "{\"prompt\":\"p1\",\"responses\":[],\"rewards\":[]}",
            "{\"prompt\":\"p2\",\"responses\":null,\"rewards\":[3.0]}"),
        rows(fixture("rlhflow-gen.gzip-v2.parquet", dir)));
  }

  @Test
  void givesLogicalTypesTheirJsonFormAndMapsWithStringKeysBecomeObjects() throws IOException {
    Path file = fixture("types.lz4.parquet", dir);

    assertEquals(
        List.of(
            "{\"i8\":-8,\"u32\":4000000000,\"u64\":18000000000000000000,\"f32\":0.1,"
                + "\"day\":\"2024-02-29\",\"at_utc\":\"2024-02-29T12:30:15.250Z\","
                + "\"at_local\":\"2001-01-02T03:04:05\",\"clock\":\"23:59:58.500\","
                + "\"price\":-12.34,\"blob\":\"AP8Q\",\"tags\":{\"a\":1,\"b\":2},"
                + "\"by_id\":[{\"key\":7,\"value\":\"seven\"}],\"category\":\"x\"}",
            "{\"i8\":null,\"u32\":0,\"u64\":1,\"f32\":null,\"day\":null,\"at_utc\":null,"
                + "\"at_local\":null,\"clock\":null,\"price\":99999999.99,\"blob\":null,"
                + "\"tags\":{},\"by_id\":null,\"category\":\"x\"}"),
        rows(file));
    try (ParquetRowReader reader = new ParquetRowReader(file)) {
      ObjectNode row = reader.next();
      assertTrue(row.get("blob").isBinary());
      assertArrayEquals(new byte[] {0, -1, 16}, row.get("blob").binaryValue());
      assertTrue(row.get("price").isBigDecimal());
      assertTrue(row.get("u64").isBigInteger());
    }
  }

  // ---- shapes written by other writers ----

  @Test
  void readsLegacyListsBareRepeatedFieldsUuidsInt96AndBytes() throws IOException {
    MessageType schema =
        MessageTypeParser.parseMessageType(
            "message m { optional group ints (LIST) { repeated int32 element; } optional group"
                + " pairs (LIST) { repeated group array { required binary a (UTF8); } } optional"
                + " group tuples (LIST) { repeated group tuples_tuple { required int64 x; } }"
                + " optional group multi (LIST) { repeated group item { required int32 p;  "
                + " required int32 q; } } repeated binary names (UTF8); optional"
                + " fixed_len_byte_array(16) id (UUID); optional int96 legacy_time; optional binary"
                + " raw;}");
    Path file =
        ParquetFiles.writeGroups(
            dir.resolve("legacy.parquet"),
            schema,
            groups -> {
              SimpleGroupFactory factory = new SimpleGroupFactory(schema);
              Group full = factory.newGroup();
              Group ints = full.addGroup("ints");
              ints.append("element", 1).append("element", 2);
              full.addGroup("pairs").addGroup("array").append("a", "x");
              full.addGroup("tuples").addGroup("tuples_tuple").append("x", 5L);
              full.addGroup("multi").addGroup("item").append("p", 1).append("q", 2);
              full.append("names", "n1").append("names", "n2");
              full.append("id", Binary.fromConstantByteArray(uuidBytes()));
              long julianDay = LocalDate.of(2024, 2, 29).toEpochDay() + 2_440_588L;
              full.append("legacy_time", new NanoTime((int) julianDay, 43_200_000_000_000L));
              full.append("raw", Binary.fromConstantByteArray(new byte[] {1, 2, 3}));
              groups.add(full);
              groups.add(factory.newGroup());
            });

    assertEquals(
        List.of(
            "{\"ints\":[1,2],\"pairs\":[{\"a\":\"x\"}],\"tuples\":[{\"x\":5}],"
                + "\"multi\":[{\"p\":1,\"q\":2}],\"names\":[\"n1\",\"n2\"],"
                + "\"id\":\"00112233-4455-6677-8899-aabbccddeeff\","
                + "\"legacy_time\":\"2024-02-29T12:00:00Z\",\"raw\":\"AQID\"}",
            "{\"ints\":null,\"pairs\":null,\"tuples\":null,\"multi\":null,\"names\":[],"
                + "\"id\":null,\"legacy_time\":null,\"raw\":null}"),
        rows(file));
  }

  @Test
  void rejectsAStringThatIsNotUtf8NamingTheColumnAndRow() throws IOException {
    MessageType schema =
        MessageTypeParser.parseMessageType("message m { optional binary text (STRING); }");
    Path file =
        ParquetFiles.writeGroups(
            dir.resolve("latin1.parquet"),
            schema,
            groups -> {
              SimpleGroupFactory factory = new SimpleGroupFactory(schema);
              groups.add(factory.newGroup().append("text", "fine"));
              groups.add(
                  factory
                      .newGroup()
                      .append("text", Binary.fromConstantByteArray(new byte[] {'c', (byte) 0xE9})));
            });

    try (ParquetRowReader reader = new ParquetRowReader(file)) {
      assertEquals("{\"text\":\"fine\"}", reader.next().toString());
      BadDataException e = assertThrows(BadDataException.class, reader::next);
      assertEquals(e, assertThrows(BadDataException.class, reader::next));
      assertEquals("text", e.field().orElseThrow());
      assertEquals(0, e.line());
      assertMessage(e, file, "row group 0, row 1", "not valid UTF-8", "rewrite the file");
    }
  }

  @Test
  void aBadValueInsideAListIsNamedByItsParquetColumnPath() throws IOException {
    MessageType schema =
        MessageTypeParser.parseMessageType(
            "message m { optional group tags (LIST) { repeated group list {"
                + " optional binary element (STRING); } } }");
    Path file =
        ParquetFiles.writeGroups(
            dir.resolve("tags.parquet"),
            schema,
            groups -> {
              Group row = new SimpleGroupFactory(schema).newGroup();
              Group list = row.addGroup("tags");
              list.addGroup("list").append("element", "ok");
              list.addGroup("list")
                  .append("element", Binary.fromConstantByteArray(new byte[] {(byte) 0xFF}));
              groups.add(row);
            });

    BadDataException e = assertThrows(BadDataException.class, () -> rows(file));
    assertEquals("tags.list.element", e.field().orElseThrow());
    assertMessage(e, file, "row group 0, row 0", "not valid UTF-8");
  }

  // ---- reading ----

  @Test
  void keepsReturningNullAtTheEndAndRefusesToReadWhenClosed() throws IOException {
    ParquetRowReader reader = new ParquetRowReader(fixture("rlhflow-gen.gzip-v2.parquet", dir));
    while (reader.next() != null) {
      // Drains the file.
    }
    assertNull(reader.next());
    assertEquals(2, reader.row());
    reader.close();
    reader.close();
    assertThrows(IllegalStateException.class, reader::next);
  }

  @Test
  void streamsRowsOfEarlierRowGroupsBeforeADamagedOneIsReached() throws IOException {
    Path file = fixture(TRL, dir);
    // Zero the last row group's data: the footer still describes it, its pages are gone.
    ColumnChunk last = ParquetFiles.footer(file).getRow_groups().get(2).getColumns().get(0);
    long start = last.getMeta_data().getDictionary_page_offset();
    byte[] bytes = Files.readAllBytes(file);
    Arrays.fill(bytes, (int) start, (int) (start + 40), (byte) 0);
    Files.write(file, bytes);

    try (ParquetRowReader reader = new ParquetRowReader(file)) {
      for (int i = 0; i < 4; i++) {
        assertTrue(reader.next() != null);
        assertEquals(i, reader.row());
      }
      BadDataException e = assertThrows(BadDataException.class, reader::next);
      assertMessage(e, file, "row group 2", "download or copy it again");
    }
  }

  @Test
  void damagedBytesAnywhereGiveRowsOrABadDataExceptionButNothingElse() throws IOException {
    Path original = fixture(TRL, dir);
    byte[] bytes = Files.readAllBytes(original);
    Random random = new Random(42);
    Path file = dir.resolve("damaged.parquet");
    int failures = 0;
    for (int trial = 0; trial < 150; trial++) {
      byte[] damaged = bytes.clone();
      int at = 4 + random.nextInt(bytes.length - 12);
      damaged[at] ^= (byte) (1 + random.nextInt(255));
      Files.write(file, damaged);
      try (ParquetRowReader reader = new ParquetRowReader(file)) {
        while (reader.next() != null) {
          // Reads every row.
        }
      } catch (BadDataException e) {
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        failures++;
      }
    }
    // Most single-byte changes hit a header, an offset or compressed data, which must be noticed.
    assertTrue(failures > 50, "only " + failures + " of 150 damaged files were noticed");
  }

  // ---- files that are not (whole) Parquet files ----

  @Test
  void anEmptyFileIsReportedAsEmpty() throws IOException {
    Path file = Files.createFile(dir.resolve("empty.parquet"));

    BadDataException e = assertThrows(BadDataException.class, () -> new ParquetRowReader(file));
    assertMessage(e, file, "the file is empty (0 bytes)", "download or copy it again");
    assertEquals(0, e.line());
  }

  @Test
  void aFileWithOnlyTheHeaderIsTruncated() throws IOException {
    Path file = Files.write(dir.resolve("header.parquet"), "PAR1".getBytes(US_ASCII));

    BadDataException e = assertThrows(BadDataException.class, () -> new ParquetRowReader(file));
    assertMessage(e, file, "truncated (footer missing)", "only 4 bytes", "download");
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.002, 0.25, 0.5, 0.75, 0.995, 0.999})
  void aFileCutShortIsTruncated(double kept) throws IOException {
    Path whole = fixture(TRL, dir);
    int length = (int) Math.max(5, Files.size(whole) * kept);
    Path file = ParquetFiles.truncated(whole, length, dir);

    BadDataException e = assertThrows(BadDataException.class, () -> new ParquetRowReader(file));
    assertMessage(e, file, "the file is truncated (footer missing)", "download or copy it again");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "PAR2 and more bytes than that|not a Parquet file|its first bytes are 50 41 52 32",
        "{\"prompt\": \"hi\"}|looks like JSON|.jsonl",
        "  <!DOCTYPE html><html>rate limited|looks like HTML|download or copy it again",
        "version https://git-lfs.github.com/spec/v1|Git LFS pointer|git lfs pull",
      })
  void aFileThatIsNotParquetSaysWhatItLooksLike(String content, String what, String fix)
      throws IOException {
    Path file = Files.write(dir.resolve("data.parquet"), content.getBytes(UTF_8));

    BadDataException e = assertThrows(BadDataException.class, () -> new ParquetRowReader(file));
    assertMessage(e, file, what, fix);
  }

  @Test
  void gzipAndZipFilesAreRecognised() throws IOException {
    Path gzip = Files.write(dir.resolve("a.parquet"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0});
    Path zip = Files.write(dir.resolve("b.parquet"), new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0});

    assertMessage(
        assertThrows(BadDataException.class, () -> new ParquetRowReader(gzip)),
        gzip,
        "gzip",
        "decompress it first");
    assertMessage(
        assertThrows(BadDataException.class, () -> new ParquetRowReader(zip)),
        zip,
        "zip archive",
        "extract");
  }

  @Test
  void aFileWithoutTheTrailingMagicNumberIsTruncated() throws IOException {
    Path file = fixture(TRL, dir);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 1] = 'X';
    Files.write(file, bytes);

    assertMessage(
        assertThrows(BadDataException.class, () -> new ParquetRowReader(file)),
        file,
        "truncated (footer missing)");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, Integer.MAX_VALUE, 1 << 20})
  void aGarbageFooterLengthIsACorruptFooter(int length) throws IOException {
    Path file = fixture(TRL, dir);
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(bytes.length - 8, length);
    Files.write(file, bytes);

    BadDataException e = assertThrows(BadDataException.class, () -> new ParquetRowReader(file));
    assertMessage(
        e,
        file,
        "the footer is corrupt: its length field says " + Integer.toUnsignedLong(length),
        "download or copy it again");
  }

  @Test
  void aFooterOfGarbageIsReportedAsACorruptFooter() throws IOException {
    Path file = fixture(TRL, dir);
    byte[] bytes = Files.readAllBytes(file);
    int length = ParquetFiles.footerLength(bytes);
    Arrays.fill(bytes, bytes.length - 8 - length, bytes.length - 8, (byte) 0xEE);
    Files.write(file, bytes);

    BadDataException e = assertThrows(BadDataException.class, () -> new ParquetRowReader(file));
    assertMessage(e, file, "the footer", "is corrupt", "download or copy it again");
  }

  @Test
  void aFooterOfRandomBytesNeverEscapesAsAnotherException() throws IOException {
    Path original = fixture(TRL, dir);
    byte[] bytes = Files.readAllBytes(original);
    int length = ParquetFiles.footerLength(bytes);
    Path file = dir.resolve("random-footer.parquet");
    Random random = new Random(7);
    for (int trial = 0; trial < 40; trial++) {
      byte[] damaged = bytes.clone();
      for (int i = bytes.length - 8 - length; i < bytes.length - 8; i++) {
        damaged[i] = (byte) random.nextInt(256);
      }
      Files.write(file, damaged);
      assertThrows(BadDataException.class, () -> rows(file));
    }
  }

  @Test
  void aFooterPointingOutsideTheFileNamesTheRowGroupAndColumn() throws IOException {
    Path file = fixture(TRL, dir);
    long size = Files.size(file);
    ParquetFiles.editFooter(
        file,
        footer -> {
          var meta = footer.getRow_groups().get(1).getColumns().get(5).getMeta_data();
          meta.setData_page_offset(size * 1000);
          meta.unsetDictionary_page_offset();
        });

    BadDataException e = assertThrows(BadDataException.class, () -> new ParquetRowReader(file));
    assertEquals("score_chosen", e.field().orElseThrow());
    assertMessage(e, file, "row group 1", "outside the", "truncated or damaged");
  }

  @Test
  void anUnsupportedCodecIsRefusedUpFrontWithAFix() throws IOException {
    Path file = fixture(TRL, dir);
    ParquetFiles.editFooter(
        file,
        footer ->
            footer
                .getRow_groups()
                .get(0)
                .getColumns()
                .get(0)
                .getMeta_data()
                .setCodec(CompressionCodec.BROTLI));

    BadDataException e = assertThrows(BadDataException.class, () -> new ParquetRowReader(file));
    assertEquals("prompt", e.field().orElseThrow());
    assertMessage(e, file, "row group 0", "BROTLI", "compression=\"zstd\"");
  }

  @Test
  void anEncryptedFileIsRefused() throws IOException {
    Path file = fixture(TRL, dir);
    byte[] bytes = Files.readAllBytes(file);
    System.arraycopy("PARE".getBytes(US_ASCII), 0, bytes, bytes.length - 4, 4);
    Files.write(file, bytes);

    assertMessage(
        assertThrows(BadDataException.class, () -> new ParquetRowReader(file)), file, "encrypted");
  }

  @Test
  void aMissingFileAndAFolderAreNamed() throws IOException {
    Path missing = dir.resolve("missing.parquet");
    Path folder = Files.createDirectory(dir.resolve("folder.parquet"));

    assertMessage(
        assertThrows(BadDataException.class, () -> new ParquetRowReader(missing)),
        missing,
        "no such file",
        "check the path");
    assertMessage(
        assertThrows(BadDataException.class, () -> new ParquetRowReader(folder)),
        folder,
        "is a folder");
  }

  private static byte[] uuidBytes() {
    byte[] bytes = new byte[16];
    for (int i = 0; i < 16; i++) {
      bytes[i] = (byte) (i * 0x11);
    }
    return bytes;
  }

  private static void assertMessage(BadDataException e, Path file, String... parts) {
    String message = e.getMessage();
    assertTrue(message.startsWith(file.toString()), message);
    assertEquals(file, e.file());
    for (String part : parts) {
      assertTrue(message.contains(part), "\"" + part + "\" missing from: " + message);
    }
  }
}
