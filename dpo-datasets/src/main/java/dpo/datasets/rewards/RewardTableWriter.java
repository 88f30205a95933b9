package dpo.datasets.rewards;

import dpo.api.DpoException;
import dpo.api.io.DurableFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Writes a reward table in the format {@link RewardTableReader} reads: a UTF-8 JSON array with one
 * line per prompt, e.g.
 *
 * <pre>
 * [
 *   [0.1, -1.2, 3.0],
 *   [0.5, 0.0, 0.2]
 * ]
 * </pre>
 *
 * <p>Numbers are written with {@link Double#toString(double)}, so reading the file back gives the
 * same doubles bit for bit. The file is replaced atomically: readers see the old table or the new
 * one, never a partial file.
 */
public final class RewardTableWriter {
  private RewardTableWriter() {}

  /**
   * Writes a reward table, replacing any file already at {@code file}.
   *
   * @param rewards at least one row, every row of the same length of at least 2, finite values
   * @param file where to write; its directory must exist
   * @throws IllegalArgumentException if {@code rewards} is not a table the reader would accept
   * @throws DpoException if the file cannot be written
   */
  public static void write(double[][] rewards, Path file) {
    Objects.requireNonNull(file, "file");
    checkTable(rewards);
    Path target = file.toAbsolutePath();
    if (!Files.isDirectory(target.getParent())) {
      throw new DpoException(
          "cannot write the reward table to "
              + file
              + " (its folder does not"
              + " exist); create the folder first");
    }
    try {
      DurableFiles.write(
          target,
          stream -> {
            Writer out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
            writeJson(rewards, out);
            out.flush();
          });
    } catch (UncheckedIOException e) {
      throw new DpoException(
          e.getMessage() + "; check that its directory exists and is writable", e);
    }
  }

  private static void writeJson(double[][] rewards, Writer out) throws IOException {
    out.write("[\n");
    for (int x = 0; x < rewards.length; x++) {
      out.write("  [");
      double[] row = rewards[x];
      for (int y = 0; y < row.length; y++) {
        if (y > 0) {
          out.write(", ");
        }
        out.write(Double.toString(row[y]));
      }
      out.write(x + 1 < rewards.length ? "],\n" : "]\n");
    }
    out.write("]\n");
  }

  private static void checkTable(double[][] rewards) {
    Objects.requireNonNull(rewards, "rewards");
    if (rewards.length == 0) {
      throw new IllegalArgumentException("a reward table needs at least one prompt");
    }
    for (int x = 0; x < rewards.length; x++) {
      double[] row = rewards[x];
      if (row == null) {
        throw new NullPointerException("rewards[" + x + "] is null");
      }
      if (row.length < 2) {
        throw new IllegalArgumentException(
            "prompt " + x + " has " + row.length + " rewards; each prompt needs at least 2");
      }
      if (row.length != rewards[0].length) {
        throw new IllegalArgumentException(
            "prompt "
                + x
                + " has "
                + row.length
                + " rewards but prompt 0 has "
                + rewards[0].length
                + "; every prompt needs the same number of responses");
      }
      for (int y = 0; y < row.length; y++) {
        if (!Double.isFinite(row[y])) {
          throw new IllegalArgumentException(
              "prompt " + x + ", response " + y + " is " + row[y] + "; rewards must be finite");
        }
      }
    }
  }
}
