package dpo.datasets.parquet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.datasets.io.RowLocation;
import dpo.datasets.io.RowSource;
import java.nio.file.Path;

/** Rows of a Parquet file, located by row group and row. */
final class ParquetRowSource implements RowSource {
  private final Path file;
  private final ParquetRowReader reader;
  private long rows;
  private RowLocation location = RowLocation.ofRowGroup(-1, -1, -1);

  ParquetRowSource(Path file) {
    this.file = file;
    this.reader = new ParquetRowReader(file);
  }

  @Override
  public Path file() {
    return file;
  }

  @Override
  public ObjectNode next() {
    ObjectNode row = reader.next();
    if (row != null) {
      location = RowLocation.ofRowGroup(rows++, reader.rowGroup(), reader.row());
    }
    return row;
  }

  @Override
  public RowLocation location() {
    return location;
  }

  @Override
  public void close() {
    reader.close();
  }
}
