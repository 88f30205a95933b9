package dpo.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lock holds across processes: another JVM's claim refuses this one with its PID. */
class OutputFolderProcessTest {
  @TempDir Path root;

  /** The child: claims the folder, says so, and holds it until its standard input closes. */
  public static void main(String[] args) throws Exception {
    try (OutputFolder folder = OutputFolder.claim(Path.of(args[0]), "out")) {
      System.out.println("claimed " + folder.path());
      System.out.flush();
      while (System.in.read() >= 0) {
        // hold the lock
      }
    }
  }

  @Test
  void aFolderClaimedByAnotherProcessIsRefusedWithThatProcessesPid() throws Exception {
    Path dir = root.resolve("run");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                OutputFolderProcessTest.class.getName(),
                dir.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertEquals("claimed " + dir.toAbsolutePath(), line);
      ConfigurationException e =
          assertThrows(ConfigurationException.class, () -> OutputFolder.claim(dir, "out"));
      assertEquals("out", e.violations().get(0).field());
      assertTrue(
          e.getMessage().contains("in use by another dpo process (PID " + child.pid() + ")"),
          e.getMessage());
      assertTrue(child.pid() != ProcessHandle.current().pid());
    } finally {
      child.getOutputStream().close();
      assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child ends when its input closes");
    }
    assertEquals(0, child.exitValue());
    OutputFolder.claim(dir, "out").close(); // released with the child
  }
}
