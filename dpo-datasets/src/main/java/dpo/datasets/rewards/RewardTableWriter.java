package dpo.datasets.rewards;

import dpo.api.DpoException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.UUID;

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
    // A sibling temp file keeps the final move on one file system, where it can be atomic.
    Path temp =
        target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      // CREATE_NEW rather than Files.createTempFile: the latter makes the file owner-only, and the
      // table would keep those permissions after the move.
      try (FileChannel channel =
              FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
          Writer out = new BufferedWriter(Channels.newWriter(channel, StandardCharsets.UTF_8))) {
        writeJson(rewards, out);
        out.flush();
        // Without this, a crash soon after the move can leave an empty file under the final name.
        channel.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new DpoException(
          "cannot write the reward table to "
              + file
              + " ("
              + e
              + "); check that its directory exists and is writable",
          e);
    } finally {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException e) {
        // The table itself was written or the original failure is already being reported; a stray
        // temp file is only clutter.
      }
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
