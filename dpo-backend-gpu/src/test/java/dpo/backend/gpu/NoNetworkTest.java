package dpo.backend.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The backend opens no network connection, even when the environment does not opt out of DJL's
 * tracking: the provider sets both switches itself before DJL loads.
 */
class NoNetworkTest {

  static String run(String... args) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.security.manager=allow",
                "-cp",
                System.getProperty("java.class.path"),
                NoNetworkMain.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().remove(DjlOffline.OPT_OUT_TRACKING);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    return out;
  }

  @Test
  void theBackendMakesNoConnection() throws Exception {
    String out = run();
    assertTrue(out.contains("attempts=0"), out);
  }

  @Test
  void theDetectorSeesDjlsConnectionsWhenUnguarded() throws Exception {
    // The control: without the switches DJL 0.36 contacts the network at start-up, and the
    // child's security manager counts it. Otherwise the test above could not fail.
    String out = run("--unguarded");
    assertTrue(!out.contains("attempts=0") && out.contains("attempts="), out);
  }
}
