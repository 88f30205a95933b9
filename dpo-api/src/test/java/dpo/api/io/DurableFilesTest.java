package dpo.api.io;

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

class DurableFilesTest {
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
    DurableFiles.write(target, bytes("{\"a\": 1}"));
    assertEquals("{\"a\": 1}", Files.readString(target));
    assertEquals(Set.of("result.json"), names(root));
  }

  @Test
  void writeReplacesAnExistingFile() throws IOException {
    Path target = root.resolve("result.json");
    Files.writeString(target, "old content that is longer than the new one");
    DurableFiles.write(target, bytes("new"));
    assertEquals("new", Files.readString(target));
    assertEquals(Set.of("result.json"), names(root));
  }

  @Test
  void writeCreatesMissingParentDirectories() throws IOException {
    Path target = root.resolve("a/b/c.txt");
    DurableFiles.write(target, bytes("x"));
    assertEquals("x", Files.readString(target));
    assertEquals(Set.of("c.txt"), names(root.resolve("a/b")));
  }

  @Test
  void writeWritesEmptyAndBinaryContent() throws IOException {
    byte[] binary = {0, -1, 127, -128, 10, 13};
    DurableFiles.write(root.resolve("bin"), binary);
    DurableFiles.write(root.resolve("empty"), new byte[0]);
    assertArrayEquals(binary, Files.readAllBytes(root.resolve("bin")));
    assertEquals(0, Files.size(root.resolve("empty")));
    assertEquals(Set.of("bin", "empty"), names(root));
  }

  @Test
  void writeAllCreatesMissingParents() throws IOException {
    Path dir = root.resolve("results/2025/run-1");
    DurableFiles.writeAll(dir, files("a.txt", "a"));
    assertEquals("a", Files.readString(dir.resolve("a.txt")));
    assertEquals(Set.of("run-1"), names(root.resolve("results/2025")));
  }

  @Test
  void writeAllIntoAnExistingDirectoryReplacesFilesAndKeepsOthers() throws IOException {
    Path dir = Files.createDirectory(root.resolve("run"));
    Files.writeString(dir.resolve("a.txt"), "old a");
    Files.writeString(dir.resolve("keep.txt"), "kept");
    DurableFiles.writeAll(dir, files("a.txt", "new a", "b.txt", "new b"));
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
        assertThrows(
            UncheckedIOException.class, () -> DurableFiles.writeAll(file, files("a", "b")));
    assertTrue(e.getMessage().contains("run"), e.getMessage());
    assertTrue(Files.isRegularFile(file));
    assertEquals("precious", Files.readString(file));
    assertEquals(Set.of("run"), names(root));
  }

  @Test
  void aPendingFileClosedWithoutCommitLeavesTheTargetAsItWas() throws IOException {
    Path target = root.resolve("data.jsonl");
    Files.writeString(target, "old");
    try (DurableFiles.Pending p = DurableFiles.open(target)) {
      p.stream().write(bytes("half a row"));
    }
    assertEquals("old", Files.readString(target));
    assertEquals(Set.of("data.jsonl"), names(root));
  }

  @Test
  void aPublishedFolderAppearsWholeAndAnExistingOneIsNeverReplaced() throws IOException {
    Path target = root.resolve("checkpoint");
    Path staging = DurableFiles.stagingFolder(target);
    DurableFiles.write(staging.resolve("config.json"), bytes("{}"));
    assertFalse(Files.exists(target));
    DurableFiles.publishFolder(staging, target);
    assertEquals(Set.of("checkpoint"), names(root));
    assertEquals("{}", Files.readString(target.resolve("config.json")));

    Path again = DurableFiles.stagingFolder(target);
    UncheckedIOException e =
        assertThrows(UncheckedIOException.class, () -> DurableFiles.publishFolder(again, target));
    assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    assertEquals("{}", Files.readString(target.resolve("config.json")));
    assertEquals(Set.of("checkpoint"), names(root));
  }

  @Test
  void leftoversOfAKilledWriterAreRemovedAndNothingElse() throws IOException {
    Path staging = DurableFiles.stagingFolder(root.resolve("sft"));
    Files.writeString(staging.resolve("model.safetensors"), "partial");
    Path temp = root.resolve(".run.json.123e4567-e89b-12d3-a456-426614174000.tmp");
    Files.writeString(temp, "partial");
    Files.writeString(root.resolve(".hidden.tmp"), "a user's file");
    Files.writeString(root.resolve("results.md"), "ours");
    assertEquals(Set.of(staging, temp), Set.copyOf(DurableFiles.removeLeftovers(root)));
    assertEquals(Set.of(".hidden.tmp", "results.md"), names(root));
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
    DurableFiles.write(single, bytes("x"));
    Path dir = root.resolve("run");
    DurableFiles.writeAll(dir, files("a.txt", "a"));
    Path existing = root.resolve("ref-dir");
    DurableFiles.writeAll(existing, files("b.txt", "b"));

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
