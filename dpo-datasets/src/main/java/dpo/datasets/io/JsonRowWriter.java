package dpo.datasets.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.DpoException;
import dpo.api.io.DurableFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.zip.GZIPOutputStream;

/**
 * Writes rows to a dataset file atomically: rows go to a temporary file beside the target, which
 * {@link #commit()} moves into place in one step. Until then the target is untouched; if the writer
 * is closed without a commit, for example because an exception left a try-with-resources block, the
 * temporary file is deleted. Readers therefore see the old file or the complete new one, never a
 * half-written file.
 *
 * <pre>
 * try (JsonRowWriter out = JsonRowWriter.open(Path.of("pairs.jsonl"))) {
 *   for (ObjectNode row : rows) {
 *     out.write(row);
 *   }
 *   out.commit();
 * }
 * </pre>
 *
 * <p>The container follows the file name: {@code .jsonl} writes JSON lines, {@code .json} a JSON
 * array with one row per line, and a further {@code .gz} compresses either with gzip.
 */
public final class JsonRowWriter implements AutoCloseable {
  private final Path target;
  private final DurableFiles.Pending pending;
  private final Writer out;
  private final boolean array;
  private long rows;
  private boolean finished;

  private JsonRowWriter(Path target, DurableFiles.Pending pending, Writer out, boolean array) {
    this.target = target;
    this.pending = pending;
    this.out = out;
    this.array = array;
  }

  /**
   * Starts writing a file.
   *
   * @param file where the rows go once committed; its directory must exist. The name must end in
   *     {@code .jsonl} or {@code .json}, optionally followed by {@code .gz}.
   * @return the writer
   * @throws IllegalArgumentException if the name has another extension
   * @throws DpoException if the temporary file cannot be created
   */
  public static JsonRowWriter open(Path file) {
    Objects.requireNonNull(file, "file");
    String name = file.getFileName() == null ? "" : file.getFileName().toString();
    String lower = name.toLowerCase(Locale.ROOT);
    boolean gzip = lower.endsWith(".gz");
    String inner = gzip ? lower.substring(0, lower.length() - 3) : lower;
    boolean array;
    if (inner.endsWith(".jsonl")) {
      array = false;
    } else if (inner.endsWith(".json")) {
      array = true;
    } else {
      throw new IllegalArgumentException(
          "cannot tell the output container from the name '"
              + name
              + "'; use .jsonl (JSON lines) or .json (a JSON array), optionally with .gz"
              + (inner.endsWith(".parquet") ? " (writing Parquet is not supported)" : ""));
    }
    Path target = file.toAbsolutePath();
    if (!Files.isDirectory(target.getParent())) {
      throw new DpoException(
          "cannot write "
              + file
              + " (its folder does not exist); check that"
              + " its directory exists and is writable");
    }
    DurableFiles.Pending pending;
    try {
      pending = DurableFiles.open(target);
    } catch (UncheckedIOException e) {
      throw new DpoException(
          e.getMessage() + "; check that its directory exists and is writable", e);
    }
    try {
      OutputStream bytes = pending.stream();
      if (gzip) {
        bytes = new GZIPOutputStream(bytes, 1 << 16);
      }
      Writer out = new BufferedWriter(new OutputStreamWriter(bytes, StandardCharsets.UTF_8));
      JsonRowWriter writer = new JsonRowWriter(target, pending, out, array);
      if (array) {
        out.write('[');
      }
      return writer;
    } catch (IOException e) {
      pending.close();
      throw new DpoException(
          "cannot write " + file + " (" + e + "); check that its directory exists and is writable",
          e);
    }
  }

  /**
   * Appends a row.
   *
   * @param row the row
   * @throws IllegalStateException after {@link #commit()} or {@link #close()}
   * @throws DpoException if the row cannot be written
   */
  public void write(ObjectNode row) {
    Objects.requireNonNull(row, "row");
    checkOpen();
    try {
      String json = JsonSupport.MAPPER.writeValueAsString(row);
      if (array) {
        out.write(rows == 0 ? "\n" : ",\n");
      }
      out.write(json);
      if (!array) {
        out.write('\n');
      }
      rows++;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the row cannot be written as JSON: " + e, e);
    } catch (IOException e) {
      throw failure(e);
    }
  }

  /**
   * How many rows have been written.
   *
   * @return the count
   */
  public long rowsWritten() {
    return rows;
  }

  /**
   * Finishes the file and moves it into place, replacing any file at the target.
   *
   * @throws IllegalStateException if already committed or closed
   * @throws DpoException if the file cannot be finished or moved; the target is then untouched
   */
  public void commit() {
    checkOpen();
    finished = true;
    try {
      if (array) {
        out.write(rows == 0 ? "]\n" : "\n]\n");
      }
      out.flush();
      // Finishes the gzip trailer; the pending stream stays open until the commit.
      out.close();
      pending.commit();
    } catch (IOException e) {
      pending.close();
      throw failure(e);
    } catch (UncheckedIOException e) {
      throw new DpoException(e.getMessage() + "; check the disk space and permissions", e);
    }
  }

  /** Discards the rows unless {@link #commit()} succeeded; the target is then left as it was. */
  @Override
  public void close() {
    if (finished) {
      return;
    }
    finished = true;
    try {
      out.close();
    } catch (IOException e) {
      // The rows are being discarded; a failure to close their temporary file changes nothing.
    }
    pending.close();
  }

  private void checkOpen() {
    if (finished) {
      throw new IllegalStateException("the writer for " + target + " is already finished");
    }
  }

  private DpoException failure(IOException e) {
    return new DpoException(
        "cannot write " + target + " (" + e + "); check the disk space and permissions", e);
  }
}
