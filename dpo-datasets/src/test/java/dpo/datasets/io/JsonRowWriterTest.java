package dpo.datasets.io;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.DpoException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonRowWriterTest {
  @TempDir Path dir;

  @Test
  void writesJsonLines() throws IOException {
    Path file = dir.resolve("out.jsonl");

    write(file, 3);

    assertEquals(
        "{\"i\":0,\"text\":\"caf\u00e9\"}\n{\"i\":1,\"text\":\"caf\u00e9\"}\n{\"i\":2,\"text\":\"caf\u00e9\"}\n",
        Files.readString(file, UTF_8));
  }

  @Test
  void writesJsonArrayThatReadsBack() throws IOException {
    Path file = dir.resolve("out.json");

    write(file, 2);

    assertEquals(
        "[\n{\"i\":0,\"text\":\"caf\u00e9\"},\n{\"i\":1,\"text\":\"caf\u00e9\"}\n]\n",
        Files.readString(file, UTF_8));
    assertEquals(List.of(0, 1), indices(file));
  }

  @Test
  void writesEmptyJsonArray() throws IOException {
    Path file = dir.resolve("out.json");

    write(file, 0);

    assertEquals("[]\n", Files.readString(file, UTF_8));
  }

  @Test
  void writesGzipThatReadsBack() throws IOException {
    Path file = dir.resolve("out.jsonl.gz");

    write(file, 4);

    try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
      assertTrue(new String(in.readAllBytes(), UTF_8).startsWith("{\"i\":0,"));
    }
    assertEquals(List.of(0, 1, 2, 3), indices(file));
  }

  @Test
  void failureBeforeCommitLeavesTargetUntouchedAndNoTemporaryFile() throws IOException {
    Path file = Files.writeString(dir.resolve("pairs.jsonl"), "{\"old\":true}\n");

    assertThrows(
        IllegalStateException.class,
        () -> {
          try (JsonRowWriter out = JsonRowWriter.open(file)) {
            out.write(row(0));
            out.write(row(1));
            throw new IllegalStateException("the generator crashed half-way");
          }
        });

    assertEquals("{\"old\":true}\n", Files.readString(file));
    assertEquals(List.of(file), listDir());
  }

  @Test
  void closeWithoutCommitWritesNothing() throws IOException {
    Path file = dir.resolve("new.jsonl");

    try (JsonRowWriter out = JsonRowWriter.open(file)) {
      out.write(row(0));
    }

    assertFalse(Files.exists(file));
    assertEquals(List.of(), listDir());
  }

  @Test
  void commitReplacesExistingFile() throws IOException {
    Path file = Files.writeString(dir.resolve("pairs.jsonl"), "old contents\n");

    write(file, 1);

    assertEquals(List.of(0), indices(file));
    assertEquals(List.of(file), listDir());
  }

  @Test
  void writingAfterCommitIsAnError() {
    try (JsonRowWriter out = JsonRowWriter.open(dir.resolve("a.jsonl"))) {
      out.commit();
      assertThrows(IllegalStateException.class, () -> out.write(row(0)));
      assertThrows(IllegalStateException.class, out::commit);
    }
  }

  @Test
  void unknownExtensionAndMissingDirectoryAreRejected() {
    IllegalArgumentException ext =
        assertThrows(
            IllegalArgumentException.class, () -> JsonRowWriter.open(dir.resolve("a.parquet")));
    assertTrue(ext.getMessage().contains("use .jsonl (JSON lines) or .json"), ext::getMessage);
    assertTrue(ext.getMessage().contains("writing Parquet is not supported"), ext::getMessage);

    DpoException missing =
        assertThrows(DpoException.class, () -> JsonRowWriter.open(dir.resolve("no/such/a.jsonl")));
    assertTrue(
        missing.getMessage().contains("check that its directory exists"), missing::getMessage);
  }

  private static ObjectNode row(int i) {
    return JsonSupport.MAPPER.createObjectNode().put("i", i).put("text", "caf\u00e9");
  }

  private static void write(Path file, int rows) {
    try (JsonRowWriter out = JsonRowWriter.open(file)) {
      for (int i = 0; i < rows; i++) {
        out.write(row(i));
      }
      assertEquals(rows, out.rowsWritten());
      out.commit();
    }
  }

  private static List<Integer> indices(Path file) {
    List<Integer> out = new ArrayList<>();
    try (RowSource rows = RowSources.open(file)) {
      for (ObjectNode r = rows.next(); r != null; r = rows.next()) {
        out.add(r.get("i").intValue());
      }
    }
    return out;
  }

  private List<Path> listDir() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }
}
