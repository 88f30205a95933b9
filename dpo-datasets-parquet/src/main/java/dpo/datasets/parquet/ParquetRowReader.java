package dpo.datasets.parquet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.BadDataException;
import dpo.datasets.parquet.JsonRowMaterializer.BadValueException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;

/**
 * Reads the rows of a Parquet file one at a time, each as a Jackson {@link ObjectNode}: the shape
 * the JSON and JSONL readers give, so that the same format mapping applies. For example, a row of a
 * TRL preference set reads as
 *
 * <pre>
 * {"prompt": "2+2?", "chosen": [{"role": "assistant", "content": "4"}], "rejected": [...]}
 * </pre>
 *
 * <p>The file is read one row group at a time: memory holds the current row group's compressed
 * column chunks and one page per column, never the whole file.
 *
 * <p>Values map to JSON as follows. Strings (which must be valid UTF-8), enums and JSON columns
 * become text; INT32 and INT64 become numbers (unsigned ones stay non-negative); FLOAT and DOUBLE
 * become numbers (NaN and infinities included); BOOLEAN becomes a boolean; DECIMAL becomes an exact
 * decimal number; DATE, TIME, TIMESTAMP and the legacy INT96 timestamps become ISO-8601 text (a
 * timestamp adjusted to UTC ends in {@code Z}); UUID becomes its text form; other bytes become a
 * binary node, which Jackson writes as base64. A LIST (standard three-level or legacy two-level)
 * becomes an array, a MAP with string keys an object, a MAP with other keys an array of {@code
 * {"key": ..., "value": ...}} objects, any other group an object. Every column is present in its
 * object, in schema order; a missing optional value is {@code null}.
 *
 * <p>SNAPPY, ZSTD, GZIP, LZ4_RAW and uncompressed files are read; encrypted files and the BROTLI,
 * LZO and Hadoop-LZ4 codecs are not. Every problem with the file is a {@link BadDataException} that
 * names the file, the row group and row (0-based) and the column where they are known, and how to
 * fix it; its line is always 0, as a Parquet file has no lines. An instance is not thread-safe.
 *
 * <pre>
 * try (ParquetRowReader rows = new ParquetRowReader(path)) {
 *   for (ObjectNode row = rows.next(); row != null; row = rows.next()) {
 *     ...
 *   }
 * }
 * </pre>
 */
public final class ParquetRowReader implements AutoCloseable {
  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ENCRYPTED_MAGIC = "PARE".getBytes(StandardCharsets.US_ASCII);
  // Leading magic, then at the end the footer's length (4 bytes) and the trailing magic.
  private static final int TAIL_LENGTH = 8;
  private static final int SMALLEST_FILE = MAGIC.length + TAIL_LENGTH;
  private static final int SNIFF_LENGTH = 64;
  private static final int MAX_REASON = 300;
  private static final String DOWNLOAD_AGAIN = "download or copy it again";

  private final Path file;
  private final ParquetFileReader reader;
  private final List<BlockMetaData> rowGroups;
  private final MessageColumnIO columns;
  private final JsonRowMaterializer materializer;
  private final long rowCount;

  private int nextRowGroup;
  private PageReadStore pages;
  private RecordReader<ObjectNode> records;
  private long leftInRowGroup;
  private int rowGroup = -1;
  private long row = -1;
  private long rowGroupOfRow = -1;
  private boolean closed;
  // A row that could not be read leaves the record reader mid-record: every later call repeats it.
  private BadDataException failure;

  /**
   * Opens a Parquet file and reads its footer (the schema and the row group directory).
   *
   * @param file the Parquet file
   * @throws BadDataException if the file cannot be read or is not a valid Parquet file that this
   *     reader supports
   */
  public ParquetRowReader(Path file) {
    this.file = Objects.requireNonNull(file, "file");
    long size = checkFrame();
    reader = open();
    try {
      rowGroups = reader.getRowGroups();
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      rowCount = checkRowGroups(size);
      columns = new ColumnIOFactory().getColumnIO(schema);
      materializer = new JsonRowMaterializer(schema);
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  /**
   * Reads the next row.
   *
   * @return the row, or null at the end of the file
   * @throws BadDataException if the row cannot be read; every later call throws it again
   * @throws IllegalStateException if the reader is closed
   */
  public ObjectNode next() {
    if (closed) {
      throw new IllegalStateException("the reader of " + file + " is closed");
    }
    if (failure != null) {
      throw failure;
    }
    try {
      return readRow();
    } catch (BadDataException e) {
      failure = e;
      throw e;
    }
  }

  private ObjectNode readRow() {
    while (leftInRowGroup == 0) {
      if (nextRowGroup == rowGroups.size()) {
        return null;
      }
      openRowGroup(nextRowGroup++);
    }
    long index = row + 1;
    ObjectNode value;
    try {
      value = records.read();
    } catch (BadValueException e) {
      throw fail(e.column(), "row group " + rowGroup + ", row " + index + ": " + e.getMessage());
    } catch (RuntimeException e) {
      throw fail(
          null,
          "row group "
              + rowGroup
              + ", row "
              + index
              + ": cannot decode the row ("
              + reason(e)
              + "); the file is damaged, "
              + DOWNLOAD_AGAIN);
    } catch (OutOfMemoryError e) {
      throw outOfMemory("row group " + rowGroup + ", row " + index, e);
    }
    leftInRowGroup--;
    row = index;
    rowGroupOfRow = rowGroup;
    return value;
  }

  /**
   * The row group of the row {@link #next()} returned last.
   *
   * @return its 0-based index in the file, or -1 before the first row
   */
  public long rowGroup() {
    return rowGroupOfRow;
  }

  /**
   * The row {@link #next()} returned last.
   *
   * @return its 0-based index in the file, or -1 before the first row
   */
  public long row() {
    return row;
  }

  /**
   * The number of rows in the file, as its footer states.
   *
   * @return the sum of the row counts of all row groups
   */
  public long rowCount() {
    return rowCount;
  }

  /** Closes the file. Closing twice does nothing. */
  @Override
  public void close() {
    closeQuietly();
  }

  /**
   * Checks the parts of the file around the footer, which parquet-java would report only as a bare
   * RuntimeException, and returns the file's size.
   */
  private long checkFrame() {
    if (Files.isDirectory(file)) {
      throw fail(null, "is a folder, not a Parquet file; check the path");
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size == 0) {
        throw fail(
            null,
            "the file is empty (0 bytes), not a Parquet file; "
                + DOWNLOAD_AGAIN
                + ", or check the command that wrote it");
      }
      byte[] head = read(channel, 0, (int) Math.min(size, SNIFF_LENGTH));
      if (!startsWith(head, MAGIC)) {
        throw fail(null, notParquet(head));
      }
      if (size < SMALLEST_FILE) {
        throw fail(
            null,
            "the file is truncated (footer missing): it has only "
                + size
                + " bytes, the Parquet header without any data or footer; "
                + DOWNLOAD_AGAIN);
      }
      ByteBuffer tail =
          ByteBuffer.wrap(read(channel, size - TAIL_LENGTH, TAIL_LENGTH))
              .order(ByteOrder.LITTLE_ENDIAN);
      byte[] magic = Arrays.copyOfRange(tail.array(), 4, TAIL_LENGTH);
      if (Arrays.equals(magic, ENCRYPTED_MAGIC)) {
        throw fail(
            null,
            "the file is encrypted (Parquet modular encryption), which this reader does not"
                + " support; export a decrypted copy");
      }
      if (!Arrays.equals(magic, MAGIC)) {
        throw fail(
            null,
            "the file is truncated (footer missing): it starts like a Parquet file but does not"
                + " end with one's footer, as when a download or copy was interrupted; "
                + DOWNLOAD_AGAIN);
      }
      long footerLength = Integer.toUnsignedLong(tail.getInt(0));
      long room = size - SMALLEST_FILE;
      if (footerLength == 0 || footerLength > room) {
        throw fail(
            null,
            "the footer is corrupt: its length field says "
                + footerLength
                + " bytes, but the file has "
                + room
                + " bytes between its header and its end; "
                + DOWNLOAD_AGAIN);
      }
      return size;
    } catch (NoSuchFileException e) {
      throw fail(null, "no such file" + resolvedHint() + "; check the path");
    } catch (AccessDeniedException e) {
      throw fail(null, "permission denied; check the path and the file's read permission");
    } catch (IOException e) {
      throw fail(null, "cannot read the file (" + e + "); check the path and the disk");
    }
  }

  private ParquetFileReader open() {
    ParquetReadOptions options =
        ParquetReadOptions.builder(new PlainParquetConfiguration())
            .withCodecFactory(new PageCodecs())
            .usePageChecksumVerification(true)
            .build();
    try {
      return ParquetFileReader.open(new LocalInputFile(file), options);
    } catch (IOException | RuntimeException e) {
      throw fail(
          null,
          "the footer (the file's schema and row group directory) is corrupt: "
              + reason(e)
              + "; "
              + DOWNLOAD_AGAIN);
    } catch (OutOfMemoryError e) {
      throw outOfMemory("the footer", e);
    }
  }

  /**
   * Checks, before any data is read, what the footer says about the row groups: a corrupt footer
   * could otherwise point reads past the end of the file or make them allocate gigabytes.
   */
  private long checkRowGroups(long size) {
    long dataEnd = size - TAIL_LENGTH;
    long total = 0;
    for (int g = 0; g < rowGroups.size(); g++) {
      BlockMetaData block = rowGroups.get(g);
      if (block.getRowCount() < 0) {
        throw fail(
            null, "row group " + g + ": the footer gives a negative row count; " + DOWNLOAD_AGAIN);
      }
      total += block.getRowCount();
      for (ColumnChunkMetaData chunk : block.getColumns()) {
        String column = chunk.getPath().toDotString();
        if (chunk.isEncrypted()) {
          throw fail(
              column,
              "row group "
                  + g
                  + ": the column is encrypted (Parquet modular encryption), which this reader"
                  + " does not support; export a decrypted copy");
        }
        if (!PageCodecs.READABLE.contains(chunk.getCodec())) {
          throw fail(
              column,
              "row group "
                  + g
                  + ": the column is compressed with "
                  + chunk.getCodec()
                  + ", which this reader does not support (it reads "
                  + PageCodecs.READABLE
                  + "); rewrite the file with ZSTD or SNAPPY, e.g. with pyarrow:"
                  + " pq.write_table(pq.read_table(src), dst, compression=\"zstd\")");
        }
        long start = chunk.getStartingPos();
        long length = chunk.getTotalSize();
        if (start < MAGIC.length || length < 0 || length > dataEnd - start) {
          throw fail(
              column,
              "row group "
                  + g
                  + ": the footer places the column's data at bytes "
                  + start
                  + " to "
                  + (start + length)
                  + ", outside the "
                  + size
                  + " bytes of the file; the file is truncated or damaged, "
                  + DOWNLOAD_AGAIN);
        }
      }
    }
    return total;
  }

  private void openRowGroup(int index) {
    releasePages();
    rowGroup = index;
    BlockMetaData block = rowGroups.get(index);
    if (block.getRowCount() == 0) {
      // parquet-java refuses to read an empty row group; there is nothing in it to read.
      return;
    }
    try {
      pages = reader.readRowGroup(index);
      // Building the record reader already reads each column's dictionary page.
      records = columns.getRecordReader(pages, materializer);
    } catch (IOException | RuntimeException e) {
      throw fail(
          null,
          "row group "
              + index
              + ": cannot read it ("
              + reason(e)
              + "); the file is truncated or damaged, "
              + DOWNLOAD_AGAIN);
    } catch (OutOfMemoryError e) {
      throw outOfMemory("row group " + index, e);
    }
    leftInRowGroup = block.getRowCount();
  }

  private String notParquet(byte[] head) {
    String text = new String(head, StandardCharsets.ISO_8859_1).stripLeading();
    String start = "it is not a Parquet file (those start with PAR1)";
    if (text.startsWith("version https://git-lfs")) {
      return "it is a Git LFS pointer, not the data itself; fetch the data (git lfs pull, or"
          + " download the file from the hub)";
    }
    if (text.startsWith("<")) {
      return start
          + " but looks like HTML or XML, e.g. an error page saved instead of the data; "
          + DOWNLOAD_AGAIN;
    }
    if (text.startsWith("{") || text.startsWith("[")) {
      return start + " but looks like JSON; give it a .json or .jsonl name";
    }
    if (head.length >= 2 && head[0] == (byte) 0x1f && head[1] == (byte) 0x8b) {
      return start + " but gzip-compressed data; decompress it first";
    }
    if (startsWith(head, new byte[] {'P', 'K', 3, 4})) {
      return start + " but a zip archive; extract the Parquet file from it first";
    }
    StringBuilder hex = new StringBuilder();
    for (int i = 0; i < Math.min(head.length, 4); i++) {
      hex.append(String.format(" %02x", head[i]));
    }
    return start
        + "; its first bytes are"
        + hex
        + "; check the path, or "
        + DOWNLOAD_AGAIN
        + " if it should be Parquet";
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    return bytes.length >= prefix.length
        && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static byte[] read(FileChannel channel, long position, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        throw new IOException("the file shrank while being read");
      }
    }
    return buffer.array();
  }

  /** The messages of an exception and its causes, without repeats: parquet-java nests them. */
  private static String reason(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = t.getMessage();
      if (message == null || message.isBlank()) {
        message = t.getClass().getSimpleName();
      }
      message = message.strip();
      if (sb.indexOf(message) < 0) {
        if (sb.length() > 0) {
          sb.append(": ");
        }
        sb.append(message);
      }
    }
    return sb.length() <= MAX_REASON ? sb.toString() : sb.substring(0, MAX_REASON) + "...";
  }

  /**
   * A damaged length or count in the data can make a decoder ask for gigabytes. Such a request
   * fails on its own, before anything is allocated, so the heap is intact and the error can be
   * reported like any other damage; the reader is not usable after it.
   */
  private BadDataException outOfMemory(String where, OutOfMemoryError e) {
    BadDataException bad =
        fail(
            null,
            where
                + ": decoding needs more memory than is available; the file is most likely"
                + " damaged, "
                + DOWNLOAD_AGAIN
                + " (if it is intact, give Java more memory, e.g. -Xmx8g)");
    bad.addSuppressed(e);
    return bad;
  }

  private String resolvedHint() {
    return file.isAbsolute() ? "" : " (resolved to " + file.toAbsolutePath() + ")";
  }

  private BadDataException fail(String column, String problem) {
    return new BadDataException(file, 0, column, problem);
  }

  private void releasePages() {
    if (pages != null) {
      pages.close();
      pages = null;
    }
    records = null;
    leftInRowGroup = 0;
  }

  private void closeQuietly() {
    closed = true;
    releasePages();
    try {
      if (reader != null) {
        reader.close();
      }
    } catch (IOException e) {
      // Only reads happened; a failure to close cannot lose data.
    }
  }
}
