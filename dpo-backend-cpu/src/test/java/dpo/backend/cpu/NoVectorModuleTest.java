package dpo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.StepSize;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Without the incubator module the backend still works, on its scalar kernel, and its host products
 * decline to run (the language-model backend then multiplies on its own).
 */
class NoVectorModuleTest {

  /** Entry point of the child JVM: prints the kernel chosen by "auto" and the loss of one step. */
  public static void main(String[] args) {
    try (PolicyBackend backend = new CpuBackendProvider().create(new BackendConfig(1))) {
      TabularProblem problem = new TabularProblem(new double[][] {{0.5, -1, 2, 0}});
      try (TabularPolicy policy =
          backend.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
        double loss =
            policy
                .exactStep(
                    CpuTabularPolicyTest.sampler("dpo-mix-p"),
                    CpuTabularPolicyTest.objective("sigmoid"),
                    StepSize.fixed(1))
                .loss();
        boolean products = new SimdProductsProvider().create(1).isPresent();
        System.out.println(
            "products " + products + " " + ((CpuBackend) backend).kernelName() + " " + loss);
      }
    }
  }

  @Test
  void autoFallsBackToTheScalarKernel() throws IOException, InterruptedException {
    assertTrue(CpuBackend.vectorApiPresent(), "the build runs tests with the module");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Dai.djl.offline=true",
                    "-cp",
                    System.getProperty("java.class.path"),
                    NoVectorModuleTest.class.getName()))
            .redirectErrorStream(true)
            .start();
    assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child JVM timed out");
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, child.exitValue(), output);
    String[] parts = output.trim().split("\\s+");
    assertEquals("scalar", parts[parts.length - 2], output);
    assertEquals(
        "false", parts[parts.length - 3], "no host products without the module: " + output);
    assertTrue(Double.isFinite(Double.parseDouble(parts[parts.length - 1])), output);
  }
}
