package dpo.datasets.parquet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.DpoException;
import dpo.api.io.DurableFiles;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * Writes rows ({@link ObjectNode}s) to a Parquet file with explicitly given columns, in a form that
 * pyarrow, DuckDB, the Hugging Face hub and {@link ParquetRowReader} all read: reading the file
 * back gives the rows that were written, with every column present (null where a row had none).
 *
 * <p>The file is written atomically. Rows go to a temporary file beside the target, and only {@link
 * #commit()} moves it into place; {@link #close()} without a commit deletes it, so that a failure
 * anywhere (in the writer, or in the code that produces the rows) leaves the target as it was:
 *
 * <pre>
 * try (ParquetRowWriter out = new ParquetRowWriter(path, List.of(
 *     ParquetColumn.of("prompt", "string"),
 *     ParquetColumn.of("chosen", "list&lt;struct{role,content}&gt;")))) {
 *   for (ObjectNode row : rows) {
 *     out.write(row);
 *   }
 *   out.commit();
 * }
 * </pre>
 *
 * <p>Rows are buffered one row group at a time (at most about {@code rowGroupBytes} of encoded
 * data). An instance is not thread-safe.
 */
public final class ParquetRowWriter implements AutoCloseable {
  /** The default bound on a row group's size: rows are buffered in memory up to it. */
  public static final long DEFAULT_ROW_GROUP_BYTES = 64L << 20;

  /** How pages are compressed. */
  public enum Compression {
    /** No compression. */
    UNCOMPRESSED(CompressionCodecName.UNCOMPRESSED),
    /** Snappy: fast, pyarrow's default. */
    SNAPPY(CompressionCodecName.SNAPPY),
    /** Gzip: slow, read everywhere. */
    GZIP(CompressionCodecName.GZIP),
    /** Zstandard: smaller files at similar speed. */
    ZSTD(CompressionCodecName.ZSTD);

    private final CompressionCodecName codec;

    Compression(CompressionCodecName codec) {
      this.codec = codec;
    }
  }

  private enum State {
    OPEN,
    COMMITTED,
    CLOSED
  }

  private final Path target;
  private final RowWriteSupport rows;
  private final TempFile output;
  private final ParquetWriter<ObjectNode> writer;
  private long written;
  private State state = State.OPEN;

  /**
   * Starts a SNAPPY-compressed file with row groups of at most {@link #DEFAULT_ROW_GROUP_BYTES}.
   *
   * @param file the file to write; its folder is created if missing; an existing file is replaced
   *     on {@link #commit()}
   * @param columns the columns, in file order, with distinct names
   * @throws IllegalArgumentException if there are no columns or two share a name
   * @throws DpoException if the temporary file cannot be created
   */
  public ParquetRowWriter(Path file, List<ParquetColumn> columns) {
    this(file, columns, Compression.SNAPPY, DEFAULT_ROW_GROUP_BYTES);
  }

  /**
   * Starts a file.
   *
   * @param file the file to write; its folder is created if missing; an existing file is replaced
   *     on {@link #commit()}
   * @param columns the columns, in file order, with distinct names
   * @param compression how pages are compressed
   * @param rowGroupBytes the size a row group may reach before it is written out, at least 1; a row
   *     group has at least one row, and the size is checked only every few rows (100 at first)
   * @throws IllegalArgumentException if there are no columns, two share a name, or {@code
   *     rowGroupBytes} is below 1
   * @throws DpoException if the temporary file cannot be created
   */
  public ParquetRowWriter(
      Path file, List<ParquetColumn> columns, Compression compression, long rowGroupBytes) {
    this(file, columns, compression, rowGroupBytes, new PageCodecs());
  }

  /** Lets tests compress with other codec implementations. */
  ParquetRowWriter(
      Path file,
      List<ParquetColumn> columns,
      Compression compression,
      long rowGroupBytes,
      CompressionCodecFactory codecs) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(compression, "compression");
    checkColumns(columns);
    if (rowGroupBytes < 1) {
      throw new IllegalArgumentException("rowGroupBytes must be at least 1, got " + rowGroupBytes);
    }
    target = file.toAbsolutePath();
    rows = new RowWriteSupport(columns);
    output = new TempFile(target);
    try {
      Files.createDirectories(target.getParent());
      writer =
          new Builder(output, rows)
              .withConf(new PlainParquetConfiguration())
              .withWriteMode(ParquetFileWriter.Mode.CREATE)
              .withCodecFactory(codecs)
              .withCompressionCodec(compression.codec)
              .withRowGroupSize(rowGroupBytes)
              .build();
    } catch (IOException | RuntimeException e) {
      output.abort();
      throw cannotWrite(e);
    }
  }

  /**
   * Adds a row. Its fields must be columns; a missing or null field is written as null. A row that
   * does not fit the columns is refused before anything of it is written, so the writer stays
   * usable.
   *
   * @param row the row
   * @throws IllegalArgumentException if the row has a field that is not a column, or a value that
   *     does not fit its column's type; the message names the row (0-based) and the column
   * @throws DpoException if writing fails; the temporary file is then deleted and the writer closed
   * @throws IllegalStateException if the writer is committed or closed
   */
  public void write(ObjectNode row) {
    Objects.requireNonNull(row, "row");
    requireOpen();
    rows.check(row, written);
    try {
      writer.write(row);
    } catch (IOException | RuntimeException e) {
      close();
      throw cannotWrite(e);
    }
    written++;
  }

  /**
   * The rows written so far.
   *
   * @return the number of rows {@link #write(ObjectNode)} accepted
   */
  public long rowsWritten() {
    return written;
  }

  /**
   * Finishes the file (writes the last row group and the footer, flushes it to disk) and moves it
   * into place, replacing any file there. The writer is closed afterwards.
   *
   * @throws DpoException if the file cannot be finished or moved; the target is then unchanged
   * @throws IllegalStateException if the writer is already committed or closed
   */
  public void commit() {
    requireOpen();
    try {
      writer.close();
      output.commit();
      state = State.COMMITTED;
    } catch (IOException | RuntimeException e) {
      close();
      throw cannotWrite(e);
    }
  }

  /**
   * Closes the writer. Without a {@link #commit()} first, the temporary file is deleted and the
   * target is left as it was. Closing twice does nothing.
   */
  @Override
  public void close() {
    if (state == State.OPEN) {
      state = State.CLOSED;
      // Not writer.close(): that would write out the buffered rows and a footer, only for the file
      // to be deleted.
      output.abort();
    }
  }

  private void requireOpen() {
    if (state != State.OPEN) {
      throw new IllegalStateException(
          "the writer of " + target + " is " + (state == State.COMMITTED ? "committed" : "closed"));
    }
  }

  private DpoException cannotWrite(Exception e) {
    return new DpoException(
        "cannot write the Parquet file "
            + target
            + " ("
            + e
            + "); check that its folder is writable and the disk has room",
        e);
  }

  private static void checkColumns(List<ParquetColumn> columns) {
    Objects.requireNonNull(columns, "columns");
    if (columns.isEmpty()) {
      throw new IllegalArgumentException("a Parquet file needs at least one column");
    }
    Set<String> names = new HashSet<>();
    for (ParquetColumn column : columns) {
      Objects.requireNonNull(column, "a column is null");
      if (!names.add(column.name())) {
        throw new IllegalArgumentException(
            "two columns are named \"" + column.name() + "\"; column names must be distinct");
      }
    }
  }

  private static final class Builder extends ParquetWriter.Builder<ObjectNode, Builder> {
    private final RowWriteSupport rows;

    Builder(OutputFile file, RowWriteSupport rows) {
      super(file);
      this.rows = rows;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<ObjectNode> getWriteSupport(ParquetConfiguration conf) {
      return rows;
    }

    @Override
    protected WriteSupport<ObjectNode> getWriteSupport(Configuration conf) {
      return rows;
    }
  }

  /**
   * The output file, a {@link DurableFiles} pending file: committing it forces the data to disk and
   * renames it into place, and aborting it deletes it without parquet-java writing a footer first.
   */
  private static final class TempFile implements OutputFile {
    private final Path target;
    private DurableFiles.Pending pending;

    TempFile(Path target) {
      this.target = target;
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) {
      pending = DurableFiles.open(target);
      OutputStream out = new BufferedOutputStream(pending.stream(), 1 << 16);
      return new PositionOutputStream() {
        private long position;

        @Override
        public long getPos() {
          return position;
        }

        @Override
        public void write(int b) throws IOException {
          out.write(b);
          position++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
          position += len;
        }

        @Override
        public void flush() throws IOException {
          out.flush();
        }

        @Override
        public void close() throws IOException {
          // Only flushes: the pending file is made durable and renamed by commit().
          out.flush();
        }
      };
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) {
      return create(blockSizeHint);
    }

    @Override
    public boolean supportsBlockSize() {
      return false;
    }

    @Override
    public long defaultBlockSize() {
      return 0;
    }

    @Override
    public String getPath() {
      return target.toString();
    }

    /** Flushes the file to disk and renames it over the target. */
    void commit() {
      pending.commit();
    }

    /** Deletes the temporary file; the target is untouched. */
    void abort() {
      if (pending != null) {
        pending.close();
      }
    }
  }
}
