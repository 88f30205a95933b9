package dpo.datasets.parquet;

import dpo.datasets.io.RowSource;
import dpo.datasets.io.RowSourceProvider;
import java.nio.file.Path;

/** Lets {@code dpo.datasets.io.RowSources} read Parquet files when this module is present. */
public final class ParquetRowSourceProvider implements RowSourceProvider {

  /** Creates the provider (cheap; called by ServiceLoader). */
  public ParquetRowSourceProvider() {}

  @Override
  public String format() {
    return "parquet";
  }

  @Override
  public RowSource open(Path file) {
    return new ParquetRowSource(file);
  }
}
