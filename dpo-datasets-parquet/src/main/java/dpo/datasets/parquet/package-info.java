/**
 * Parquet files, the format the Hugging Face hub serves data sets in.
 *
 * <p>{@link dpo.datasets.parquet.ParquetRowReader} streams the rows of a Parquet file as Jackson
 * objects, the same rows the JSON and JSONL readers give, so that one format mapping serves all
 * three. {@link dpo.datasets.parquet.ParquetRowWriter} writes rows with explicit {@link
 * dpo.datasets.parquet.ParquetColumn}s, atomically.
 *
 * <p>Built on Apache Parquet's parquet-hadoop without Hadoop's file systems or codecs: files are
 * opened as local files and pages are (de)compressed in pure Java, so no native library is loaded.
 */
package dpo.datasets.parquet;
