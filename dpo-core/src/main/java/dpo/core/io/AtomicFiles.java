package dpo.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Writes results so that a reader never sees a partial file: every file goes to a temporary
 * sibling and is renamed into place; a new directory is staged whole and renamed into place.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /**
   * Writes one file atomically (temp file in the same directory, then rename).
   *
   * @param target the file to write
   * @param content its bytes
   */
  public static void write(Path target, byte[] content) {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      // Not createTempFile: its owner-only permissions would survive the rename.
      tmp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
      Files.write(tmp, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      move(tmp, target);
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw new UncheckedIOException("cannot write " + target + ": " + describe(e), e);
    }
  }

  /**
   * Writes a set of files into {@code dir}. If {@code dir} does not exist yet, the files are
   * written into a staging directory beside it which is then renamed to {@code dir}, so the
   * directory appears complete or not at all; otherwise each file is written atomically.
   *
   * @param dir the output directory
   * @param files file name to content, written in iteration order
   */
  public static void writeAll(Path dir, Map<String, byte[]> files) {
    Path abs = dir.toAbsolutePath().normalize();
    if (Files.isDirectory(abs)) {
      files.forEach((name, bytes) -> write(abs.resolve(name), bytes));
      return;
    }
    if (Files.exists(abs)) {
      throw new UncheckedIOException(
          new FileAlreadyExistsException(abs.toString(), null, "exists and is not a directory"));
    }
    Path staging = null;
    try {
      Files.createDirectories(abs.getParent());
      staging = abs.resolveSibling("." + abs.getFileName() + "." + UUID.randomUUID() + ".tmp");
      Files.createDirectory(staging);
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        Path file = staging.resolve(f.getKey());
        Files.createDirectories(file.getParent());
        Files.write(file, f.getValue());
      }
      move(staging, abs);
    } catch (IOException e) {
      deleteTree(staging);
      throw new UncheckedIOException("cannot write " + abs + ": " + describe(e), e);
    } catch (RuntimeException e) {
      deleteTree(staging);
      throw e;
    }
  }

  /** A reason a user can act on; NIO's own messages are often just a path. */
  private static String describe(IOException e) {
    if (e instanceof FileAlreadyExistsException f) {
      return f.getFile() + " exists and is not a folder";
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

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // Best effort: the original failure is the one worth reporting.
      }
    }
  }

  private static void deleteTree(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(AtomicFiles::deleteQuietly);
    } catch (IOException ignored) {
      // Best effort, as above.
    }
  }
}
