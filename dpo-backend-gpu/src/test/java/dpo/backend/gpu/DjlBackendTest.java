package dpo.backend.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import dpo.api.backend.BackendCapability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.DeviceInfo;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LmTrainer;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.PreferenceBatch;
import dpo.api.lm.StepMetrics;
import dpo.api.lm.TrainerConfig;
import dpo.api.objective.ObjectiveConfig;
import dpo.backend.gpu.tabular.DjlTabularPolicy;
import dpo.core.DpoRuntime;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backend through the API only, as the loop and third parties use it. */
class DjlBackendTest {
  static final ModelConfig SMALL = new ModelConfig(10, 8, 1, 2, 24);

  @Test
  void optionsAreCheckedAndTheDeviceIsReported() {
    DjlBackendProvider provider = new DjlBackendProvider();
    assertEquals("djl", provider.id());
    ConfigurationException unknown =
        assertThrows(
            ConfigurationException.class,
            () -> provider.create(BackendConfig.defaults().withOption("devise", "cpu")));
    assertTrue(unknown.getMessage().contains("known options: device, kv-cache"));
    ConfigurationException tpu =
        assertThrows(
            ConfigurationException.class,
            () -> provider.create(BackendConfig.defaults().withOption("device", "tpu")));
    // The one message of BackendConfig.checkDevice, as the command line and a sweep's grid give.
    assertEquals("must be auto, cpu or gpu, got 'tpu'", tpu.getMessage());
    assertEquals("device", tpu.violations().get(0).field());
    // The provider's check (no backend created) refuses the same settings with the same messages.
    for (BackendConfig bad :
        List.of(
            BackendConfig.defaults().withOption("device", "tpu"),
            BackendConfig.defaults().withOption("devise", "cpu"),
            BackendConfig.defaults().withOption("kv-cache", "maybe"))) {
      ConfigurationException created =
          assertThrows(ConfigurationException.class, () -> provider.create(bad));
      ConfigurationException checked =
          assertThrows(ConfigurationException.class, () -> provider.validate(bad));
      assertEquals(created.getMessage(), checked.getMessage());
      assertEquals(created.violations(), checked.violations());
    }
    provider.validate(BackendConfig.defaults().withOption("device", "cpu"));
    if (!NvidiaGpus.present()) {
      ConfigurationException gpu =
          assertThrows(
              ConfigurationException.class,
              () -> provider.validate(BackendConfig.defaults().withOption("device", "gpu")));
      assertEquals(
          "device 'gpu' asked for, but DJL sees no CUDA GPU; use cpu or auto", gpu.getMessage());
    }
    try (PolicyBackend cpu =
        provider.create(BackendConfig.defaults().withOption("device", "cpu"))) {
      assertEquals(
          Set.of(
              BackendCapability.EXACT_GRADIENT,
              BackendCapability.SAMPLED_GRADIENT,
              BackendCapability.LANGUAGE_MODELS,
              BackendCapability.REWARD_MODELS),
          cpu.capabilities());
      assertTrue(
          cpu.languageModels().isPresent()
              && cpu.rewardModels().isPresent()
              && cpu.tabularPolicies().isPresent());
      DeviceInfo device = cpu.device();
      assertEquals("cpu", device.device());
      assertEquals(ai.djl.engine.Engine.getInstance().getVersion(), device.engineVersion());
      assertTrue(device.engine().startsWith("PyTorch (DJL "), device.engine());
    }
  }

  @Test
  void theProviderAdvertisesCudaExactlyWhenTheMachineHasAGpu() {
    assertEquals(
        NvidiaGpus.present(),
        new DjlBackendProvider().capabilities().contains(BackendCapability.CUDA));
    try (PolicyBackend auto = new DjlBackendProvider().create(BackendConfig.defaults())) {
      assertEquals(NvidiaGpus.present(), auto.capabilities().contains(BackendCapability.CUDA));
    }
  }

  @Test
  void aReferenceModelIsReadThroughTheApi() {
    // A reference that is not a djl model: the trainer reads its log-probs, nothing else.
    try (PolicyBackend backend = new DjlBackendProvider().create(BackendConfig.defaults());
        LanguageModel policy = backend.languageModels().orElseThrow().newLanguageModel(SMALL, 5);
        LanguageModel twin = policy.copy();
        LmTrainer trainer =
            backend.languageModels().orElseThrow().newTrainer(policy, TrainerConfig.adamW(1e-3))) {
      LanguageModel foreign =
          new LanguageModel() {
            @Override
            public ModelConfig config() {
              return twin.config();
            }

            @Override
            public double[] sequenceLogProbs(List<int[]> prompts, List<int[]> responses) {
              return twin.sequenceLogProbs(prompts, responses);
            }

            @Override
            public double[] sequenceKl(
                LanguageModel other, List<int[]> prompts, List<int[]> responses) {
              throw new AssertionError("not needed");
            }

            @Override
            public LanguageModel copy() {
              throw new AssertionError("not needed");
            }

            @Override
            public void copyFrom(LanguageModel other) {
              throw new AssertionError("not needed");
            }

            @Override
            public void save(Path directory) {
              throw new AssertionError("not needed");
            }

            @Override
            public void close() {}
          };
      StepMetrics step =
          trainer.dpoStep(
              PreferenceBatch.hard(
                  List.of(new int[] {1, 2}), List.of(new int[] {3}), List.of(new int[] {4, 5})),
              foreign,
              DpoRuntime.builder()
                  .build()
                  .objectives()
                  .get("sigmoid")
                  .create(ObjectiveConfig.ofBeta(0.1)));
      // policy == reference before the step: h = 0, loss = log 2.
      assertEquals(Math.log(2), step.loss(), 1e-6);
    }
  }

  @Test
  void modelsSaveLoadGenerateAndAgreeWithoutTheCache(@TempDir Path dir) {
    DjlBackendProvider provider = new DjlBackendProvider();
    GenerationConfig config = GenerationConfig.sampling(8, 1.0, 9, 4);
    List<int[]> prompts = List.of(new int[] {1, 2}, new int[] {3});
    try (PolicyBackend cached = provider.create(BackendConfig.defaults());
        PolicyBackend recompute =
            provider.create(BackendConfig.defaults().withOption("kv-cache", "false"));
        LanguageModel model = cached.languageModels().orElseThrow().newLanguageModel(SMALL, 3)) {
      model.save(dir.resolve("m"));
      try (LanguageModel again =
          recompute.languageModels().orElseThrow().loadLanguageModel(dir.resolve("m"))) {
        List<int[]> a =
            cached
                .languageModels()
                .orElseThrow()
                .generate(List.of(model), new double[] {1}, prompts, config);
        List<int[]> b =
            recompute
                .languageModels()
                .orElseThrow()
                .generate(List.of(again), new double[] {1}, prompts, config);
        for (int i = 0; i < a.size(); i++) {
          assertArrayEquals(a.get(i), b.get(i));
        }
        assertArrayEquals(
            model.sequenceLogProbs(prompts, a), again.sequenceLogProbs(prompts, b), 1e-5);
      }
    }
  }

  @Test
  void tabularPoliciesLiveOnTheBackend() {
    try (PolicyBackend backend =
        new DjlBackendProvider().create(BackendConfig.defaults().withOption("device", "cpu"))) {
      assertTrue(backend.capabilities().contains(BackendCapability.EXACT_GRADIENT));
      assertTrue(backend.capabilities().contains(BackendCapability.SAMPLED_GRADIENT));
      TabularProblem problem = new TabularProblem(new double[][] {{0, 1, 2}});
      try (TabularPolicy policy =
          backend.tabularPolicies().orElseThrow().newTabularPolicy(problem)) {
        assertInstanceOf(DjlTabularPolicy.class, policy);
        assertEquals(problem, policy.problem());
      }
    }
  }
}
