/**
 * Dataset files as streams of JSON rows, and atomic writing of them.
 *
 * <p>{@link dpo.datasets.io.RowSources} opens a JSON-lines, JSON-array or Parquet file as a {@link
 * dpo.datasets.io.RowSource}, which hands out one row at a time with its {@link
 * dpo.datasets.io.RowLocation location}; {@link dpo.datasets.io.JsonRowWriter} writes rows to a
 * temporary file and moves it into place on commit. Input is strict UTF-8 ({@link
 * dpo.datasets.io.StrictUtf8Reader}) and rows are bounded in length, so a bad byte or a runaway
 * line fails with its line number instead of being misread or exhausting memory.
 */
package dpo.datasets.io;
