package dpo.core.io;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path root;

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static Set<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
    }
  }

  private static Map<String, byte[]> files(String... nameThenContent) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    for (int i = 0; i < nameThenContent.length; i += 2) {
      m.put(nameThenContent[i], bytes(nameThenContent[i + 1]));
    }
    return m;
  }

  @Test
  void writeCreatesAFileAndLeavesNoTemporaryFiles() throws IOException {
    Path target = root.resolve("result.json");
    AtomicFiles.write(target, bytes("{\"a\": 1}"));
    assertEquals("{\"a\": 1}", Files.readString(target));
    assertEquals(Set.of("result.json"), names(root));
  }

  @Test
  void writeReplacesAnExistingFile() throws IOException {
    Path target = root.resolve("result.json");
    Files.writeString(target, "old content that is longer than the new one");
    AtomicFiles.write(target, bytes("new"));
    assertEquals("new", Files.readString(target));
    assertEquals(Set.of("result.json"), names(root));
  }

  @Test
  void writeCreatesMissingParentDirectories() throws IOException {
    Path target = root.resolve("a/b/c.txt");
    AtomicFiles.write(target, bytes("x"));
    assertEquals("x", Files.readString(target));
    assertEquals(Set.of("c.txt"), names(root.resolve("a/b")));
  }

  @Test
  void writeWritesEmptyAndBinaryContent() throws IOException {
    byte[] binary = {0, -1, 127, -128, 10, 13};
    AtomicFiles.write(root.resolve("bin"), binary);
    AtomicFiles.write(root.resolve("empty"), new byte[0]);
    assertArrayEquals(binary, Files.readAllBytes(root.resolve("bin")));
    assertEquals(0, Files.size(root.resolve("empty")));
    assertEquals(Set.of("bin", "empty"), names(root));
  }

  @Test
  void writeAllCreatesANewDirectoryWithoutLeavingTheStagingDirectory() throws IOException {
    Path dir = root.resolve("run-1");
    AtomicFiles.writeAll(dir, files("a.csv", "1,2", "b.json", "{}", "c.txt", ""));
    assertEquals(Set.of("run-1"), names(root));
    assertEquals(Set.of("a.csv", "b.json", "c.txt"), names(dir));
    assertEquals("1,2", Files.readString(dir.resolve("a.csv")));
    assertEquals("{}", Files.readString(dir.resolve("b.json")));
    assertEquals("", Files.readString(dir.resolve("c.txt")));
  }

  @Test
  void writeAllCreatesMissingParents() throws IOException {
    Path dir = root.resolve("results/2025/run-1");
    AtomicFiles.writeAll(dir, files("a.txt", "a"));
    assertEquals("a", Files.readString(dir.resolve("a.txt")));
    assertEquals(Set.of("run-1"), names(root.resolve("results/2025")));
  }

  @Test
  void writeAllIntoAnExistingDirectoryReplacesFilesAndKeepsOthers() throws IOException {
    Path dir = Files.createDirectory(root.resolve("run"));
    Files.writeString(dir.resolve("a.txt"), "old a");
    Files.writeString(dir.resolve("keep.txt"), "kept");
    AtomicFiles.writeAll(dir, files("a.txt", "new a", "b.txt", "new b"));
    assertEquals("new a", Files.readString(dir.resolve("a.txt")));
    assertEquals("new b", Files.readString(dir.resolve("b.txt")));
    assertEquals("kept", Files.readString(dir.resolve("keep.txt")));
    assertEquals(Set.of("a.txt", "b.txt", "keep.txt"), names(dir));
    assertEquals(Set.of("run"), names(root));
  }

  @Test
  void writeAllOntoARegularFileFailsAndLeavesItAlone() throws IOException {
    Path file = root.resolve("run");
    Files.writeString(file, "precious");
    UncheckedIOException e =
        assertThrows(UncheckedIOException.class, () -> AtomicFiles.writeAll(file, files("a", "b")));
    assertTrue(e.getMessage().contains("run"), e.getMessage());
    assertTrue(Files.isRegularFile(file));
    assertEquals("precious", Files.readString(file));
    assertEquals(Set.of("run"), names(root));
  }

  @Test
  void aFailedWriteAllLeavesNoDirectoryAtAll() throws IOException {
    Path dir = root.resolve("run");
    // The second name is longer than any common file system allows (255 bytes).
    Map<String, byte[]> files = files("a.txt", "a", "x".repeat(300), "b");
    assertThrows(UncheckedIOException.class, () -> AtomicFiles.writeAll(dir, files));
    assertFalse(Files.exists(dir));
    assertEquals(Set.of(), names(root));
  }

  @Test
  void createdFilesAreReadableByOthersWhenTheUmaskAllows() throws IOException {
    assumeTrue(
        Files.getFileStore(root).supportsFileAttributeView(PosixFileAttributeView.class),
        "not a POSIX file system");
    // Files and directories created the ordinary way show what the umask allows.
    Set<PosixFilePermission> fileDefault =
        Files.getPosixFilePermissions(Files.writeString(root.resolve("ref-file"), "x"));
    Set<PosixFilePermission> dirDefault =
        Files.getPosixFilePermissions(Files.createDirectory(root.resolve("ref-dir")));
    assumeTrue(
        fileDefault.contains(PosixFilePermission.GROUP_READ)
            || fileDefault.contains(PosixFilePermission.OTHERS_READ),
        "the umask makes new files private: " + fileDefault);

    Path single = root.resolve("single.txt");
    AtomicFiles.write(single, bytes("x"));
    Path dir = root.resolve("run");
    AtomicFiles.writeAll(dir, files("a.txt", "a"));
    Path existing = root.resolve("ref-dir");
    AtomicFiles.writeAll(existing, files("b.txt", "b"));

    for (Path p : new Path[] {single, dir.resolve("a.txt"), existing.resolve("b.txt")}) {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
      assertTrue(
          perms.contains(PosixFilePermission.GROUP_READ)
              || perms.contains(PosixFilePermission.OTHERS_READ),
          p + ": " + perms);
      assertEquals(fileDefault, perms, p.toString());
    }
    assertEquals(dirDefault, Files.getPosixFilePermissions(dir));
  }
}
