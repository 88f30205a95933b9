package dpo.datasets.parquet;

import static java.nio.charset.StandardCharsets.US_ASCII;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;

/** Test helpers: fixtures, whole-file reads, files of any schema, and surgery on footers. */
final class ParquetFiles {
  static final ObjectMapper JSON = new ObjectMapper();

  private ParquetFiles() {}

  /** A copy of a fixture (see make_fixtures.py) in {@code dir}, free to be damaged. */
  static Path fixture(String name, Path dir) throws IOException {
    try {
      Path source = Path.of(ParquetFiles.class.getResource(name).toURI());
      return Files.copy(source, dir.resolve(name));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every row of a file, each as compact JSON. */
  static List<String> rows(Path file) {
    List<String> rows = new ArrayList<>();
    try (ParquetRowReader reader = new ParquetRowReader(file)) {
      for (ObjectNode row = reader.next(); row != null; row = reader.next()) {
        rows.add(row.toString());
      }
    }
    return rows;
  }

  static ObjectNode json(String text) {
    try {
      return (ObjectNode) JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes records of any schema with parquet-java's example object model, for the shapes that
   * {@link ParquetRowWriter} never writes (legacy lists, INT96, ...).
   */
  static Path writeGroups(Path file, MessageType schema, Consumer<List<Group>> fill)
      throws IOException {
    List<Group> groups = new ArrayList<>();
    fill.accept(groups);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withConf(new PlainParquetConfiguration())
            .withType(schema)
            .withCodecFactory(new PageCodecs())
            .build()) {
      for (Group group : groups) {
        writer.write(group);
      }
    }
    return file;
  }

  /** The footer of a file, decoded. */
  static FileMetaData footer(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int length = footerLength(bytes);
    return Util.readFileMetaData(
        new ByteArrayInputStream(bytes, bytes.length - 8 - length, length));
  }

  /** Rewrites a file's footer after {@code edit} has changed it. */
  static void editFooter(Path file, Consumer<FileMetaData> edit) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int length = footerLength(bytes);
    FileMetaData footer = footer(file);
    edit.accept(footer);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(bytes, 0, bytes.length - 8 - length);
    ByteArrayOutputStream encoded = new ByteArrayOutputStream();
    Util.writeFileMetaData(footer, encoded);
    encoded.writeTo(out);
    out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(encoded.size()).array());
    out.write("PAR1".getBytes(US_ASCII));
    Files.write(file, out.toByteArray());
  }

  static int footerLength(byte[] file) {
    return ByteBuffer.wrap(file, file.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
  }

  /** A copy of {@code file} whose first {@code length} bytes are kept. */
  static Path truncated(Path file, int length, Path dir) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    return Files.write(dir.resolve("cut-" + length + ".parquet"), Arrays.copyOf(bytes, length));
  }
}
