package dpo.backend.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import dpo.api.backend.BackendCapability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LmTrainer;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.PreferenceBatch;
import dpo.api.lm.StepMetrics;
import dpo.api.lm.TrainerConfig;
import dpo.api.objective.ObjectiveConfig;
import dpo.core.DpoRuntime;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The backend on CUDA: same responses as the CPU for the same seed (greedy), and a DPO step that
 * starts at log 2. Skipped where DJL sees no GPU (this build ships CPU natives; see
 * dpo-bench/scripts/gpu-check.sh for running on a GPU machine).
 */
@Tag("gpu")
class CudaTest {

  @Test
  void generationAndADpoStepRunOnTheGpu() {
    DjlOffline.enforce();
    assumeTrue(Engine.getInstance().getGpuCount() > 0, "no CUDA GPU visible to DJL");
    DjlBackendProvider provider = new DjlBackendProvider();
    ModelConfig shape = new ModelConfig(32, 32, 2, 4, 64);
    List<int[]> prompts = List.of(new int[] {1, 2, 3}, new int[] {4, 5});
    try (PolicyBackend gpu = provider.create(BackendConfig.defaults().withOption("device", "gpu"));
        PolicyBackend cpu = provider.create(BackendConfig.defaults().withOption("device", "cpu"));
        LanguageModel onGpu = gpu.languageModels().orElseThrow().newLanguageModel(shape, 7);
        LanguageModel onCpu = cpu.languageModels().orElseThrow().newLanguageModel(shape, 7);
        LanguageModel reference = onGpu.copy();
        LmTrainer trainer =
            gpu.languageModels().orElseThrow().newTrainer(onGpu, TrainerConfig.adamW(1e-3))) {
      assertTrue(gpu.capabilities().contains(BackendCapability.CUDA));
      GenerationConfig greedy = GenerationConfig.greedy(16, -1);
      List<int[]> a =
          gpu.languageModels()
              .orElseThrow()
              .generate(List.of(onGpu), new double[] {1}, prompts, greedy);
      List<int[]> b =
          cpu.languageModels()
              .orElseThrow()
              .generate(List.of(onCpu), new double[] {1}, prompts, greedy);
      for (int i = 0; i < a.size(); i++) {
        assertArrayEquals(b.get(i), a.get(i), "greedy response " + i + " on GPU vs CPU");
      }
      StepMetrics step =
          trainer.dpoStep(
              PreferenceBatch.hard(
                  prompts,
                  List.of(new int[] {6, 7}, new int[] {8}),
                  List.of(new int[] {9}, new int[] {10, 11})),
              reference,
              DpoRuntime.builder()
                  .build()
                  .objectives()
                  .get("sigmoid")
                  .create(ObjectiveConfig.ofBeta(0.1)));
      assertEquals(Math.log(2), step.loss(), 1e-5);
    }
  }

  @Test
  void aLlamaGeneratesTheSameGreedyTokensOnTheGpu(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    DjlOffline.enforce();
    assumeTrue(Engine.getInstance().getGpuCount() > 0, "no CUDA GPU visible to DJL");
    List<int[]> prompts = List.of(new int[] {1, 2, 3}, new int[] {4, 5});
    try (DjlBackend gpu = new DjlBackend(BackendConfig.defaults().withOption("device", "gpu"));
        DjlBackend cpu = new DjlBackend(BackendConfig.defaults().withOption("device", "cpu"))) {
      try (LanguageModel m =
          dpo.backend.gpu.lm.Checkpoints.createPreset(cpu.manager(), "llama", "tiny", 0, 64, 9)) {
        m.save(dir.resolve("llama"));
      }
      try (LanguageModel onGpu =
              gpu.languageModels().orElseThrow().loadLanguageModel(dir.resolve("llama"));
          LanguageModel onCpu =
              cpu.languageModels().orElseThrow().loadLanguageModel(dir.resolve("llama"))) {
        GenerationConfig greedy = GenerationConfig.greedy(16, -1);
        List<int[]> a =
            gpu.languageModels()
                .orElseThrow()
                .generate(List.of(onGpu), new double[] {1}, prompts, greedy);
        List<int[]> b =
            cpu.languageModels()
                .orElseThrow()
                .generate(List.of(onCpu), new double[] {1}, prompts, greedy);
        for (int i = 0; i < a.size(); i++) {
          assertArrayEquals(b.get(i), a.get(i), "llama greedy response " + i + " GPU vs CPU");
        }
      }
    }
  }
}
