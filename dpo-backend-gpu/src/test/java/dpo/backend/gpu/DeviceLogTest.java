package dpo.backend.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the djl backend prints when it starts, in a fresh JVM (DJL's engine starts once per
 * process): the chosen device once at info level, and, on a machine without a GPU, none of DJL's
 * "CUDA driver version is insufficient" warnings.
 */
class DeviceLogTest {
  private static final String CUDA_WARNING = "Failed to detect GPU count";

  private static String run(String... args) throws Exception {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true",
                "-DOPT_OUT_TRACKING=true",
                "-cp",
                System.getProperty("java.class.path"),
                DeviceLogMain.class.getName()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    return out;
  }

  @Test
  void theDeviceIsLoggedOnce() throws Exception {
    String out = run();
    assertEquals(1, out.lines().filter(l -> l.contains("djl backend computes on")).count(), out);
    assertTrue(out.contains("device=cpu cpu") || out.contains("device=gpu(0) gpu(0)"), out);
  }

  @Test
  void noCudaWarningsWithoutAGpu() throws Exception {
    assumeFalse(NvidiaGpus.present(), "this machine has a GPU");
    String loud = run("--loud");
    assumeTrue(
        loud.contains(CUDA_WARNING),
        "DJL's probe has nothing to warn about here (no CUDA"
            + " runtime without a driver), so the quiet run could not fail:\n"
            + loud);
    String quiet = run();
    assertFalse(quiet.contains(CUDA_WARNING), quiet);
    assertFalse(quiet.contains("CUDA driver version"), quiet);
  }
}
