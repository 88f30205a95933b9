package dpo.core.io;

import dpo.api.ConfigurationException;
import dpo.api.io.DurableFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The folder a command writes its results to, held for the command's lifetime.
 *
 * <ul>
 *   <li>Ownership: a folder gets a marker file ({@value #MARKER}) when a command first writes to
 *       it. A non-empty folder without the marker is someone else's and is refused, so a command
 *       never mixes its files with, or overwrites, files it did not write.
 *   <li>Exclusion: an OS file lock on the marker (released by the OS when the process dies, so it
 *       cannot go stale), which holds the PID of the last process that held it; a second process is
 *       refused with that PID.
 *   <li>Clean-up: temporary files and staging folders a killed run left directly in the folder are
 *       removed.
 * </ul>
 *
 * <p>The only folder this deletes is one its own claim created and left empty: a command that fails
 * before writing anything leaves no folder behind.
 */
public final class OutputFolder implements AutoCloseable {
  /** The marker and lock file of a folder a dpo command writes to. */
  public static final String MARKER = ".dpo-output";

  private static final Logger LOG = LoggerFactory.getLogger(OutputFolder.class);

  private final Path path;
  private final FileChannel channel;
  private final FileLock lock;

  /** Whether the claim created the folder (it did not exist before). */
  private final boolean created;

  private OutputFolder(Path path, FileChannel channel, FileLock lock, boolean created) {
    this.path = path;
    this.channel = channel;
    this.lock = lock;
    this.created = created;
  }

  /**
   * Claims a folder for one command: creates it if missing, refuses a non-empty folder that is not
   * a dpo output, takes the lock and removes a killed run's leftovers.
   *
   * @param dir the folder
   * @param field the configuration field that names it (for the error message, e.g. "out")
   * @return the claimed folder; close it to release the lock
   * @throws ConfigurationException if the folder is a file, someone else's, or in use
   */
  public static OutputFolder claim(Path dir, String field) {
    Path abs = dir.toAbsolutePath().normalize();
    if (Files.exists(abs) && !Files.isDirectory(abs)) {
      throw new ConfigurationException(
          field, dir + " exists and is not a directory; choose another path");
    }
    if (Files.isDirectory(abs) && !Files.exists(abs.resolve(MARKER)) && !isEmpty(abs)) {
      throw new ConfigurationException(
          field,
          dir
              + " is not empty and was not written by dpo;"
              + " choose a new or empty folder (dpo never writes into, or deletes, a folder it did not"
              + " create)");
    }
    boolean created = !Files.exists(abs);
    try {
      Files.createDirectories(abs);
    } catch (IOException e) {
      throw new ConfigurationException(
          field,
          "cannot create "
              + dir
              + " ("
              + e
              + "); choose a"
              + " folder that can be created and written");
    }
    FileChannel channel = null;
    try {
      channel =
          FileChannel.open(
              abs.resolve(MARKER),
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // held by this very process
      }
      if (lock == null) {
        String holder = readHolder(channel);
        channel.close();
        throw new ConfigurationException(
            field,
            dir
                + " is in use by another dpo process"
                + (holder.isEmpty() ? "" : " (PID " + holder + ")")
                + "; wait for it to finish or"
                + " choose another folder");
      }
      byte[] pid = Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8);
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(pid), 0);
      channel.force(true);
      removeLeftovers(abs);
      return new OutputFolder(abs, channel, lock, created);
    } catch (IOException | UncheckedIOException e) {
      closeQuietly(channel);
      throw new ConfigurationException(
          field,
          "cannot write to "
              + dir
              + " ("
              + e.getMessage()
              + "); choose a folder that can be created and written");
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  /**
   * Whether a folder is a dpo output (has the marker).
   *
   * @param dir the folder
   * @return true if dpo wrote it
   */
  public static boolean isOurs(Path dir) {
    return Files.isRegularFile(dir.resolve(MARKER));
  }

  /**
   * The folder.
   *
   * @return its absolute path
   */
  public Path path() {
    return path;
  }

  /**
   * A path inside the folder.
   *
   * @param name a relative path
   * @return the path
   */
  public Path resolve(String name) {
    return path.resolve(name);
  }

  /**
   * Releases the lock; the marker stays (it says the folder is ours), unless the claim created the
   * folder and nothing but the marker was written to it: then the folder is removed.
   */
  @Override
  public void close() {
    boolean unused = created && onlyTheMarker(path);
    if (unused) {
      try {
        Files.deleteIfExists(path.resolve(MARKER));
      } catch (IOException e) {
        unused = false;
      }
    }
    try {
      lock.release();
    } catch (IOException ignored) {
      // Closing the channel releases it too.
    }
    closeQuietly(channel);
    if (unused) {
      try {
        Files.deleteIfExists(path); // fails, and stays, if another process claimed it meanwhile
      } catch (IOException ignored) {
        // Not empty any more: someone else's now.
      }
    }
  }

  private static boolean onlyTheMarker(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.allMatch(p -> p.getFileName().toString().equals(MARKER));
    } catch (IOException e) {
      return false;
    }
  }

  /** A kill can leave a staging folder anywhere below (checkpoints, the SFT cache). */
  private static void removeLeftovers(Path dir) throws IOException {
    for (Path removed : DurableFiles.removeLeftovers(dir)) {
      LOG.info("removed {}, left by an interrupted run", removed);
    }
    List<Path> children;
    try (Stream<Path> entries = Files.list(dir)) {
      children = entries.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList();
    }
    for (Path child : children) {
      removeLeftovers(child);
    }
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  private static String readHolder(FileChannel channel) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(32);
    channel.read(buffer, 0);
    return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).trim();
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Only the lock is at stake, and the OS releases it with the process.
      }
    }
  }
}
