package dpo.api.io;

import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Durable atomic writes: the content goes to a temporary sibling, which is flushed to the disk
 * ({@code fsync}), renamed over the target, and then the directory itself is flushed so that the
 * rename survives a power loss. A reader sees the old file or the new one, never a partial one.
 *
 * <p>Temporary files and staging folders are named {@code .NAME.UUID.tmp} and {@code
 * .NAME.UUID.staging}; {@link #removeLeftovers(Path)} removes those a killed process left behind,
 * and nothing else. Failures are {@link UncheckedIOException}s whose message says what could not be
 * written and why.
 */
public final class DurableFiles {
  private static final Pattern LEFTOVER =
      Pattern.compile(
          "\\..+\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
              + "\\.(tmp|staging)");

  private DurableFiles() {}

  /** Writes content to a stream; the stream is closed by the caller. */
  @FunctionalInterface
  public interface Content {
    /**
     * Writes the content.
     *
     * @param out the stream to write to; do not close it
     * @throws IOException if writing fails
     */
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Writes one file durably, replacing any file at {@code target}; creates missing parent folders.
   *
   * @param target the file
   * @param content its bytes
   */
  public static void write(Path target, byte[] content) {
    Objects.requireNonNull(content, "content");
    write(target, out -> out.write(content));
  }

  /**
   * Writes one file durably from a stream of content, replacing any file at {@code target}.
   *
   * @param target the file
   * @param content writes the bytes
   */
  public static void write(Path target, Content content) {
    try (Pending pending = open(target)) {
      content.writeTo(pending.stream());
      pending.commit();
    } catch (IOException e) {
      throw failure(target, e);
    }
  }

  /**
   * Writes a set of files into {@code dir}, each durably; missing folders are created.
   *
   * @param dir the folder
   * @param files relative file name to content, written in iteration order
   */
  public static void writeAll(Path dir, Map<String, byte[]> files) {
    files.forEach((name, bytes) -> write(dir.resolve(name), bytes));
  }

  /**
   * Opens a file to be written by a stream: the bytes go to a temporary sibling until {@link
   * Pending#commit()} moves them into place; closing without a commit discards them and leaves the
   * target as it was.
   *
   * @param target the file
   * @return the pending file
   */
  public static Pending open(Path target) {
    Path abs = target.toAbsolutePath().normalize();
    Path temp = abs.resolveSibling(temporaryName(abs, "tmp"));
    FileChannel channel = null;
    try {
      Files.createDirectories(abs.getParent());
      // CREATE_NEW rather than Files.createTempFile: the latter makes the file owner-only, and the
      // result would keep those permissions after the rename.
      channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      return new Pending(abs, temp, channel);
    } catch (IOException e) {
      closeQuietly(channel);
      deleteQuietly(temp);
      throw failure(abs, e);
    }
  }

  /**
   * Creates an empty staging folder beside {@code target}, to be filled and then published with
   * {@link #publishFolder(Path, Path)} so that the folder appears whole or not at all.
   *
   * @param target the folder that will be published
   * @return the staging folder
   */
  public static Path stagingFolder(Path target) {
    Path abs = target.toAbsolutePath().normalize();
    Path staging = abs.resolveSibling(temporaryName(abs, "staging"));
    try {
      Files.createDirectories(abs.getParent());
      Files.createDirectory(staging);
      return staging;
    } catch (IOException e) {
      throw failure(abs, e);
    }
  }

  /**
   * Flushes every file of a staging folder to the disk and renames the folder to {@code target},
   * which must not exist (a folder is never replaced: that would delete what is in it).
   *
   * @param staging a folder from {@link #stagingFolder(Path)}
   * @param target where it goes
   */
  public static void publishFolder(Path staging, Path target) {
    Path abs = target.toAbsolutePath().normalize();
    try {
      if (Files.exists(abs)) {
        throw new FileAlreadyExistsException(abs.toString(), null, "already exists");
      }
      try (Stream<Path> walk = Files.walk(staging)) {
        for (Path p : (Iterable<Path>) walk::iterator) {
          if (Files.isRegularFile(p)) {
            try (FileChannel c = FileChannel.open(p, StandardOpenOption.WRITE)) {
              c.force(true);
            }
          } else {
            syncDirectory(p);
          }
        }
      }
      move(staging, abs);
      syncDirectory(abs.getParent());
    } catch (IOException e) {
      deleteTree(staging);
      throw failure(abs, e);
    }
  }

  /**
   * Removes the temporary files and staging folders that a killed writer left directly in {@code
   * dir} (only names of the form {@code .NAME.UUID.tmp} or {@code .NAME.UUID.staging}).
   *
   * @param dir the folder; nothing happens if it does not exist
   * @return the paths removed
   */
  public static List<Path> removeLeftovers(Path dir) {
    List<Path> removed = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return removed;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        if (LEFTOVER.matcher(p.getFileName().toString()).matches()) {
          deleteTree(p);
          removed.add(p);
        }
      }
    } catch (IOException e) {
      throw failure(dir, e);
    }
    return removed;
  }

  /**
   * Flushes a directory's entries (creations, renames) to the disk. File systems that cannot open a
   * directory for this (some network and Windows file systems) are skipped.
   *
   * @param dir the directory
   * @throws IOException if the flush fails
   */
  public static void syncDirectory(Path dir) throws IOException {
    try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
      c.force(true);
    } catch (AccessDeniedException | UnsupportedOperationException e) {
      // Not every platform can open a directory; there the rename is as durable as it gets.
    }
  }

  /**
   * A file being written: bytes go to {@link #stream()}; {@link #commit()} makes them the target's
   * content; {@link #close()} without a commit discards them.
   */
  public static final class Pending implements Closeable {
    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final OutputStream stream;
    private boolean finished;

    private Pending(Path target, Path temp, FileChannel channel) {
      this.target = target;
      this.temp = temp;
      this.channel = channel;
      // Closing the caller's wrappers (GZIP, writers) must not close the channel before commit.
      this.stream =
          new FilterOutputStream(Channels.newOutputStream(channel)) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
              out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
              flush();
            }
          };
    }

    /**
     * The stream to write the content to. Closing it (or a wrapper around it) does not commit.
     *
     * @return the stream
     */
    public OutputStream stream() {
      return stream;
    }

    /**
     * The final path.
     *
     * @return the target
     */
    public Path target() {
      return target;
    }

    /**
     * Flushes the content to the disk, renames it over the target and flushes the directory.
     *
     * @throws UncheckedIOException if that fails; the target is then untouched
     */
    public void commit() {
      if (finished) {
        throw new IllegalStateException("the write of " + target + " is already finished");
      }
      finished = true;
      try {
        stream.flush();
        channel.force(true);
        channel.close();
        move(temp, target);
        syncDirectory(target.getParent());
      } catch (IOException e) {
        closeQuietly(channel);
        deleteQuietly(temp);
        throw failure(target, e);
      }
    }

    /** Discards the content unless {@link #commit()} succeeded. */
    @Override
    public void close() {
      if (!finished) {
        finished = true;
        closeQuietly(channel);
        deleteQuietly(temp);
      }
    }
  }

  private static String temporaryName(Path target, String kind) {
    return "." + target.getFileName() + "." + UUID.randomUUID() + "." + kind;
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static UncheckedIOException failure(Path target, IOException e) {
    return new UncheckedIOException("cannot write " + target + ": " + describe(e), e);
  }

  /** A reason a user can act on; NIO's own messages are often just a path. */
  private static String describe(IOException e) {
    if (e instanceof FileAlreadyExistsException f) {
      return f.getFile()
          + (f.getReason() != null ? " " + f.getReason() : " exists and is not a folder");
    }
    if (e instanceof NoSuchFileException f) {
      return f.getFile() + " does not exist";
    }
    if (e instanceof AccessDeniedException f) {
      return "permission denied on " + f.getFile();
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason() + (f.getFile() == null ? "" : " (" + f.getFile() + ")");
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Only the temporary file is at stake, and it is deleted next.
      }
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // Best effort: the original failure is the one worth reporting; a leftover is removed by
      // removeLeftovers on the next run.
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(DurableFiles::deleteQuietly);
    } catch (IOException ignored) {
      // Best effort, as above.
    }
  }
}
