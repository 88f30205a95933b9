package dpo.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import dpo.api.io.DurableFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputFolderTest {
  @TempDir Path root;

  private static Set<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  @Test
  void aMissingFolderIsCreatedMarkedAndLocked() throws IOException {
    Path dir = root.resolve("results/run");
    try (OutputFolder folder = OutputFolder.claim(dir, "out")) {
      assertEquals(dir.toAbsolutePath(), folder.path());
      assertTrue(OutputFolder.isOurs(dir));
      assertEquals(Set.of(OutputFolder.MARKER), names(dir));
      assertEquals(
          Long.toString(ProcessHandle.current().pid()),
          Files.readString(dir.resolve(OutputFolder.MARKER)));
    }
  }

  @Test
  void aFolderTheClaimCreatedAndNothingWasWrittenToIsRemoved() throws IOException {
    Path unused = root.resolve("failed");
    OutputFolder.claim(unused, "out").close();
    assertFalse(Files.exists(unused), "a command that wrote nothing leaves no folder");
    Path used = root.resolve("written");
    try (OutputFolder folder = OutputFolder.claim(used, "out")) {
      Files.writeString(folder.resolve("metrics.jsonl"), "");
    }
    assertEquals(Set.of(OutputFolder.MARKER, "metrics.jsonl"), names(used));
    Path existing = Files.createDirectories(root.resolve("given"));
    OutputFolder.claim(existing, "out").close();
    assertEquals(Set.of(OutputFolder.MARKER), names(existing), "a folder it did not create stays");
  }

  @Test
  void aSecondClaimIsRefusedWithTheHoldersPidAndSucceedsOnceReleased() {
    Path dir = root.resolve("run");
    try (OutputFolder first = OutputFolder.claim(dir, "out")) {
      ConfigurationException e =
          assertThrows(ConfigurationException.class, () -> OutputFolder.claim(dir, "out"));
      assertEquals("out", e.violations().get(0).field());
      assertTrue(
          e.getMessage()
              .contains(
                  "in use by another dpo process (PID " + ProcessHandle.current().pid() + ")"),
          e.getMessage());
    }
    OutputFolder.claim(dir, "out").close();
  }

  @Test
  void aNonEmptyFolderThatIsNotOursIsRefusedAndLeftUntouched() throws IOException {
    Path dir = Files.createDirectory(root.resolve("thesis"));
    Files.writeString(dir.resolve("chapter1.tex"), "precious");
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> OutputFolder.claim(dir, "out"));
    assertTrue(
        e.getMessage()
            .contains("is not empty and was not written by dpo; choose a new or" + " empty folder"),
        e.getMessage());
    assertEquals(Set.of("chapter1.tex"), names(dir));
    assertEquals("precious", Files.readString(dir.resolve("chapter1.tex")));
  }

  @Test
  void anEmptyFolderAndOneOfOurOwnAreAccepted() throws IOException {
    Path empty = Files.createDirectory(root.resolve("empty"));
    OutputFolder.claim(empty, "out").close();
    Files.writeString(empty.resolve("metrics.csv"), "ours");
    OutputFolder.claim(empty, "out").close();
    assertEquals("ours", Files.readString(empty.resolve("metrics.csv")));
  }

  @Test
  void aFileIsRefused() throws IOException {
    Path file = Files.writeString(root.resolve("run"), "x");
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> OutputFolder.claim(file, "out"));
    assertTrue(e.getMessage().contains("exists and is not a directory"), e.getMessage());
  }

  @Test
  void leftoversOfAKilledRunAreRemovedOnTheNextClaim() throws IOException {
    Path dir = root.resolve("run");
    try (OutputFolder run = OutputFolder.claim(dir, "out")) {
      Files.writeString(run.resolve("metrics.jsonl"), "");
    }
    Path staging = DurableFiles.stagingFolder(dir.resolve("sft/seed-1"));
    Files.writeString(staging.resolve("model.safetensors"), "half");
    OutputFolder.claim(dir, "out").close();
    assertFalse(Files.exists(staging));
    assertEquals(Set.of(), names(dir.resolve("sft")));
  }
}
