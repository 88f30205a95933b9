package dpo.datasets.io;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.BadDataException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RowSourcesTest {
  @TempDir Path dir;

  // ---- containers ----

  @Test
  void readsJsonLinesSkippingBlankLinesWithLineNumbers() throws IOException {
    Path file = write("a.jsonl", "{\"prompt\": \"one\"}\n\n  \n{\"prompt\": \"two\"}\n");

    List<String> seen = new ArrayList<>();
    try (RowSource rows = RowSources.open(file)) {
      for (ObjectNode row = rows.next(); row != null; row = rows.next()) {
        seen.add(row.get("prompt").textValue() + "@" + rows.location().describe());
      }
    }

    assertEquals(List.of("one@line 1", "two@line 4"), seen);
  }

  @Test
  void readsCrlfAndByteOrderMarkAndLastLineWithoutNewline() throws IOException {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    Path file =
        writeBytes(
            "a.jsonl", concat(bom, "{\"a\": 1}\r\n{\"a\": 2}\r\n{\"a\": 3}".getBytes(UTF_8)));

    assertEquals(List.of("1@1", "2@2", "3@3"), values(file, "a"));
  }

  @Test
  void readsJsonArrayWhateverTheExtension() throws IOException {
    Path file = write("rows.jsonl", "\n [\n  {\"a\": 1},\n  {\"a\": 2}\n]\n");

    assertEquals(List.of("1@3", "2@4"), values(file, "a"));
    try (RowSource rows = RowSources.open(file)) {
      rows.next();
      assertEquals("line 3, row 0", rows.location().describe());
    }
  }

  @Test
  void readsJsonLinesUnderJsonExtension() throws IOException {
    Path file = write("rows.json", "{\"a\": 1}\n{\"a\": 2}\n");

    assertEquals(List.of("1@1", "2@2"), values(file, "a"));
  }

  @Test
  void readsRlhflowInstancesWrapper() throws IOException {
    Path file =
        write(
            "gen.json",
            "{\"type\": \"text_only\", \"instances\": [{\"a\": 1}, {\"a\": 2, \"b\": [1, {\"c\": 2}]}],"
                + " \"note\": {\"x\": [1]}}");

    assertEquals(List.of("1@1", "2@1"), values(file, "a"));
  }

  @Test
  void readsGzipCompressedJsonLines() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write("{\"a\": 1}\n{\"a\": 2}\n".getBytes(UTF_8));
    }
    Path file = writeBytes("rows.jsonl.gz", bytes.toByteArray());

    assertEquals(List.of("1@1", "2@2"), values(file, "a"));
  }

  // ---- bad input ----

  @Test
  void malformedJsonLineNamesLineColumnAndField() throws IOException {
    Path file =
        write(
            "bad.jsonl",
            "{\"prompt\": \"ok\"}\n{\"prompt\": \"ok\"}\n{\"prompt\": \"x\", \"chosen\": [1, }\n");

    try (RowSource rows = RowSources.open(file)) {
      rows.next();
      rows.next();
      BadDataException e = assertThrows(BadDataException.class, rows::next);
      assertEquals(3, e.line());
      assertEquals("chosen[1]", e.field().orElseThrow());
      assertTrue(
          e.getMessage().startsWith(file + ":3 (chosen[1]): malformed JSON at column"),
          e::getMessage);
      assertTrue(
          e.getMessage().contains("each line must be one complete JSON object"), e::getMessage);
    }
  }

  @Test
  void truncatedLastLineIsMalformed() throws IOException {
    Path file = write("cut.jsonl", "{\"prompt\": \"ok\"}\n{\"prompt\": \"the file was cut");

    BadDataException e = assertThrows(BadDataException.class, () -> readAll(file));
    assertEquals(2, e.line());
    assertEquals("prompt", e.field().orElseThrow());
  }

  @Test
  void lineThatIsNotAnObjectIsRejected() throws IOException {
    Path file = write("bad.jsonl", "{\"a\": 1}\n[1, 2]\n");

    BadDataException e = assertThrows(BadDataException.class, () -> readAll(file));
    assertEquals(2, e.line());
    assertTrue(e.getMessage().contains("found an array where a row should be"), e::getMessage);
  }

  @Test
  void twoObjectsOnOneLineAreRejected() throws IOException {
    Path file = write("bad.jsonl", "{\"a\": 1} {\"a\": 2}\n");

    BadDataException e = assertThrows(BadDataException.class, () -> readAll(file));
    assertTrue(e.getMessage().contains("more than one JSON value on this line"), e::getMessage);
  }

  @Test
  void duplicateFieldIsRejected() throws IOException {
    Path file = write("bad.jsonl", "{\"prompt\": \"a\", \"prompt\": \"b\"}\n");

    BadDataException e = assertThrows(BadDataException.class, () -> readAll(file));
    assertTrue(e.getMessage().contains("Duplicate field 'prompt'"), e::getMessage);
  }

  @Test
  void emptyFileIsRejected() throws IOException {
    for (String text : new String[] {"", " \n\t\r\n"}) {
      Path file = write("empty.jsonl", text);

      BadDataException e = assertThrows(BadDataException.class, () -> RowSources.open(file));
      assertEquals(
          file
              + ": the file is empty; a dataset needs at least one row, as one JSON"
              + " object per line, e.g. {\"prompt\": \"...\"}",
          e.getMessage());
    }
  }

  @Test
  void nonUtf8ByteNamesItsLine() throws IOException {
    byte[] good = "{\"prompt\": \"a\"}\n{\"prompt\": \"b\"}\n{\"prompt\": \"caf".getBytes(UTF_8);
    Path file =
        writeBytes("latin1.jsonl", concat(good, new byte[] {(byte) 0xE9}, "\"}\n".getBytes(UTF_8)));

    try (RowSource rows = RowSources.open(file)) {
      rows.next();
      rows.next();
      BadDataException e = assertThrows(BadDataException.class, rows::next);
      assertEquals(3, e.line());
      assertTrue(e.getMessage().startsWith(file + ":3: bad encoding"), e::getMessage);
      assertTrue(e.getMessage().contains("save the file as UTF-8"), e::getMessage);
    }
  }

  @Test
  void nonUtf8ByteInJsonArrayNamesItsLine() throws IOException {
    byte[] good = "[\n{\"prompt\": \"a\"},\n{\"prompt\": \"".getBytes(UTF_8);
    Path file =
        writeBytes("latin1.json", concat(good, new byte[] {(byte) 0xFF}, "\"}]".getBytes(UTF_8)));

    BadDataException e = assertThrows(BadDataException.class, () -> readAll(file));
    assertEquals(3, e.line());
    assertTrue(e.getMessage().contains("bad encoding"), e::getMessage);
  }

  @Test
  void hundredMegabyteLineFailsWithItsLineNumber() throws IOException {
    Path file = dir.resolve("huge.jsonl");
    try (FileChannel out =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      out.write(ByteBuffer.wrap("{\"prompt\": \"fine\"}\n{\"prompt\": \"".getBytes(UTF_8)));
      byte[] block = new byte[1 << 20];
      Arrays.fill(block, (byte) 'a');
      for (int i = 0; i < 100; i++) {
        out.write(ByteBuffer.wrap(block));
      }
      out.write(ByteBuffer.wrap("\"}\n".getBytes(UTF_8)));
    }

    try (RowSource rows = RowSources.open(file)) {
      rows.next();
      BadDataException e = assertThrows(BadDataException.class, rows::next);
      assertEquals(2, e.line());
      assertTrue(
          e.getMessage()
              .startsWith(file + ":2: the row is longer than " + RowSources.DEFAULT_MAX_ROW_CHARS),
          e::getMessage);
      assertTrue(e.getMessage().contains("--max-row-chars"), e::getMessage);
    }
  }

  @Test
  void longLineStopsReadingAtTheLimit() {
    // An endless line: only a reader that gives up at the limit can return.
    CountingReader endless = new CountingReader();
    JsonlRowSource rows = new JsonlRowSource(Path.of("endless.jsonl"), endless, 100_000);

    BadDataException e = assertThrows(BadDataException.class, rows::next);

    assertTrue(e.getMessage().contains("longer than 100000 characters"), e::getMessage);
    assertTrue(endless.delivered <= 100_000 + 8192, "read " + endless.delivered + " chars");
  }

  @Test
  void longRowInJsonArrayStopsReadingAtTheLimit() throws IOException {
    Path file = write("big.json", "[{\"a\": 1},\n {\"a\": \"" + "x".repeat(50_000) + "\"}]");

    try (RowSource rows = RowSources.open(file, 10_000)) {
      rows.next();
      BadDataException e = assertThrows(BadDataException.class, rows::next);
      assertEquals(2, e.line());
      assertEquals("row 1", e.field().orElseThrow());
      assertTrue(e.getMessage().contains("longer than 10000 characters"), e::getMessage);
    }
  }

  @Test
  void jsonArrayErrorsNameTheRowAndField() throws IOException {
    Path truncated = write("cut.json", "[\n{\"a\": 1},\n{\"a\": \"unfinished");
    BadDataException e = assertThrows(BadDataException.class, () -> readAll(truncated));
    assertEquals("row 1, a", e.field().orElseThrow());
    assertTrue(e.getMessage().contains("the file ends in the middle of a row"), e::getMessage);

    Path notObject = write("num.json", "[{\"a\": 1}, 5]");
    e = assertThrows(BadDataException.class, () -> readAll(notObject));
    assertEquals("row 1", e.field().orElseThrow());
    assertTrue(
        e.getMessage().contains("found number 5 where a row object should be"), e::getMessage);

    Path unclosed = write("open.json", "[{\"a\": 1}\n");
    e = assertThrows(BadDataException.class, () -> readAll(unclosed));
    assertTrue(
        e.getMessage().contains("malformed JSON") || e.getMessage().contains("ends"),
        e::getMessage);

    Path trailing = write("trail.json", "[{\"a\": 1}]\n{\"a\": 2}\n");
    e = assertThrows(BadDataException.class, () -> readAll(trailing));
    assertEquals(2, e.line());
    assertTrue(
        e.getMessage().contains("unexpected content after the rows ended on line 1"),
        e::getMessage);
  }

  @Test
  void fileThatIsNotJsonIsRejected() throws IOException {
    Path file = write("notes.jsonl", "\nprompt,chosen,rejected\n");

    BadDataException e = assertThrows(BadDataException.class, () -> RowSources.open(file));
    assertEquals(2, e.line());
    assertTrue(
        e.getMessage().contains("starts with 'p', not with a JSON object or array"), e::getMessage);
  }

  @Test
  void missingFileAndDirectoryAreRejected() {
    BadDataException missing =
        assertThrows(BadDataException.class, () -> RowSources.open(dir.resolve("nope.jsonl")));
    assertTrue(missing.getMessage().contains("no such file; check the path"), missing::getMessage);

    BadDataException folder = assertThrows(BadDataException.class, () -> RowSources.open(dir));
    assertTrue(folder.getMessage().contains("is a directory"), folder::getMessage);
  }

  @Test
  void corruptGzipIsRejected() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write("{\"a\": 1}\n".repeat(1000).getBytes(UTF_8));
    }
    byte[] cut = Arrays.copyOf(bytes.toByteArray(), bytes.size() / 2);
    Path file = writeBytes("cut.jsonl.gz", cut);

    BadDataException e = assertThrows(BadDataException.class, () -> readAll(file));
    assertTrue(e.getMessage().contains("gzip data is corrupt or truncated"), e::getMessage);
  }

  @Test
  void parquetIsRecognisedByNameAndMagicAndNeedsTheParquetModule() throws IOException {
    Path named = writeBytes("data.parquet", new byte[] {1, 2, 3});
    Path magic = writeBytes("data.bin", "PAR1 and then some".getBytes(UTF_8));

    for (Path file : List.of(named, magic)) {
      BadDataException e = assertThrows(BadDataException.class, () -> RowSources.open(file));
      // This module's tests run without dpo-datasets-parquet, as a user's build may.
      assertTrue(
          e.getMessage()
              .contains(
                  "is a Parquet file, but this build of dpo cannot read"
                      + " Parquet: the dpo-datasets-parquet module is not on the class path; add it"),
          e::getMessage);
    }
  }

  // ---- helpers ----

  /** Each row's value of a field with the row's line, as "value@line". */
  private static List<String> values(Path file, String field) {
    List<String> out = new ArrayList<>();
    try (RowSource rows = RowSources.open(file)) {
      for (ObjectNode row = rows.next(); row != null; row = rows.next()) {
        out.add(row.get(field).asText() + "@" + rows.location().line());
      }
    }
    return out;
  }

  private static int readAll(Path file) {
    int n = 0;
    try (RowSource rows = RowSources.open(file)) {
      while (rows.next() != null) {
        n++;
      }
    }
    return n;
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text, UTF_8);
  }

  private Path writeBytes(String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** An endless "{"prompt": "aaaa..." that counts the chars it hands out. */
  private static final class CountingReader extends Reader {
    long delivered;

    @Override
    public int read(char[] buffer, int offset, int length) {
      for (int i = 0; i < length; i++) {
        buffer[offset + i] =
            delivered + i < 12 ? "{\"prompt\": \"".charAt((int) (delivered + i)) : 'a';
      }
      delivered += length;
      return length;
    }

    @Override
    public void close() {}
  }
}
