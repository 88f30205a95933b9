package dpo.backend.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.Capability;
import dpo.api.ConfigurationException;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.ModelConfig;
import dpo.backend.gpu.tabular.DjlTabularPolicy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backend through the API only, as the loop and third parties use it. */
class DjlBackendTest {
  static final ModelConfig SMALL = new ModelConfig(10, 8, 1, 2, 24);

  @Test
  void optionsAreCheckedAndTheDeviceIsReported() {
    DjlBackendProvider provider = new DjlBackendProvider();
    assertEquals("djl", provider.id());
    ConfigurationException unknown = assertThrows(ConfigurationException.class,
        () -> provider.create(BackendConfig.defaults().withOption("devise", "cpu")));
    assertTrue(unknown.getMessage().contains("known options: device, kv-cache"));
    assertThrows(ConfigurationException.class,
        () -> provider.create(BackendConfig.defaults().withOption("device", "tpu")));
    try (PolicyBackend cpu = provider.create(BackendConfig.defaults().withOption("device", "cpu"))) {
      assertFalse(cpu.capabilities().contains(Capability.CUDA));
      assertTrue(cpu.capabilities().contains(Capability.GENERATION));
    }
  }

  @Test
  void modelsSaveLoadGenerateAndAgreeWithoutTheCache(@TempDir Path dir) {
    DjlBackendProvider provider = new DjlBackendProvider();
    GenerationConfig config = GenerationConfig.sampling(8, 1.0, 9, 4);
    List<int[]> prompts = List.of(new int[] {1, 2}, new int[] {3});
    try (PolicyBackend cached = provider.create(BackendConfig.defaults());
        PolicyBackend recompute = provider.create(
            BackendConfig.defaults().withOption("kv-cache", "false"));
        LanguageModel model = cached.newLanguageModel(SMALL, 3)) {
      model.save(dir.resolve("m"));
      try (LanguageModel again = recompute.loadLanguageModel(dir.resolve("m"))) {
        List<int[]> a = cached.generate(List.of(model), new double[] {1}, prompts, config);
        List<int[]> b = recompute.generate(List.of(again), new double[] {1}, prompts, config);
        for (int i = 0; i < a.size(); i++) {
          assertArrayEquals(a.get(i), b.get(i));
        }
        assertArrayEquals(model.sequenceLogProbs(prompts, a), again.sequenceLogProbs(prompts, b),
            1e-5);
      }
    }
  }

  @Test
  void tabularPoliciesLiveOnTheBackend() {
    try (PolicyBackend backend =
        new DjlBackendProvider().create(BackendConfig.defaults().withOption("device", "cpu"))) {
      assertTrue(backend.capabilities().contains(Capability.EXACT_GRADIENT));
      assertTrue(backend.capabilities().contains(Capability.SAMPLED_GRADIENT));
      TabularProblem problem = new TabularProblem(new double[][] {{0, 1, 2}});
      try (TabularPolicy policy = backend.newTabularPolicy(problem)) {
        assertInstanceOf(DjlTabularPolicy.class, policy);
        assertEquals(problem, policy.problem());
      }
    }
  }
}
