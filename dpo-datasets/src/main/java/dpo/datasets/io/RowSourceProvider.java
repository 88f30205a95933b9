package dpo.datasets.io;

import java.nio.file.Path;

/**
 * Reads a file format that lives in its own module, found with {@link java.util.ServiceLoader}:
 * Parquet ({@code dpo-datasets-parquet}) keeps its Hadoop dependencies out of this module. Which
 * files are in the format is decided by {@link RowSources} (name and magic bytes), so that a file
 * of a known format whose module is absent is refused with the module to add.
 *
 * <p>Implementations need a public no-argument constructor that does nothing expensive.
 */
public interface RowSourceProvider {

  /**
   * The format read, as {@link RowSources} names it.
   *
   * @return e.g. "parquet"
   */
  String format();

  /**
   * Opens a file of the format.
   *
   * @param file the file
   * @return its rows
   * @throws dpo.api.BadDataException if the file cannot be read as the format
   */
  RowSource open(Path file);
}
