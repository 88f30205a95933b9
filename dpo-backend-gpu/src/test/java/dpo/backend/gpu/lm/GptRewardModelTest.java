package dpo.backend.gpu.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dpo.api.lm.PreferenceBatch;
import dpo.api.lm.TrainerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reward model starts from a causal language model's checkpoint of any family (its body, a fresh
 * head; an untied output head kept but not trained), trains, and saves a checkpoint that loads back
 * with the same scores and continues whole.
 */
class GptRewardModelTest {
  @RegisterExtension static final DjlEngine ENGINE = new DjlEngine();

  private static final List<int[]> PROMPTS =
      List.of(new int[] {1, 2, 3}, new int[] {4}, new int[] {5, 6});
  private static final List<int[]> CHOSEN =
      List.of(new int[] {7, 8}, new int[] {9, 10, 11}, new int[] {12});
  private static final List<int[]> REJECTED =
      List.of(new int[] {13}, new int[] {14, 15}, new int[] {10, 3, 2});

  @Test
  void aLanguageModelOfEveryFamilyIsAStartingPoint(@TempDir Path dir) throws IOException {
    Map<String, GptArchitecture> families =
        Map.of(
            "llama-untied", LlamaModelTest.tiny("llama", false, null),
            "qwen2-tied", LlamaModelTest.tiny("qwen2", true, null),
            "gpt2", GptArchitecture.gpt2(DjlTrainerTest.TINY));
    for (Map.Entry<String, GptArchitecture> f : families.entrySet()) {
      String name = f.getKey();
      Path lmDir = dir.resolve(name + "-lm");
      Path rmDir = dir.resolve(name + "-rm");
      try (GptModel lm = LlamaModelTest.randomised(ENGINE.root(), f.getValue(), 30)) {
        lm.save(lmDir);
        double[] trained;
        try (GptRewardModel rm = GptRewardModel.fromCheckpoint(ENGINE.root(), lmDir, 7)) {
          // The body is the language model's, bit for bit.
          for (Map.Entry<String, ai.djl.ndarray.NDArray> p : lm.parameters().entrySet()) {
            if (rm.parameters().containsKey(p.getKey())) {
              assertArrayEquals(
                  p.getValue().toFloatArray(),
                  rm.parameters().get(p.getKey()).toFloatArray(),
                  name + " " + p.getKey());
            }
          }
          assertFalse(rm.parameters().containsKey("lm_head.weight"), name + ": not trained");
          assertTrue(rm.parameters().containsKey(GptRewardModel.HEAD));
          float[] untiedHead =
              f.getValue().tieWordEmbeddings()
                  ? null
                  : lm.parameters().get("lm_head.weight").toFloatArray();
          double[] before = rm.score(PROMPTS, CHOSEN);
          try (BradleyTerryTrainer trainer =
              new BradleyTerryTrainer(rm, TrainerConfig.adamW(1e-2))) {
            double first = trainer.step(PreferenceBatch.hard(PROMPTS, CHOSEN, REJECTED));
            double last = first;
            for (int i = 0; i < 20; i++) {
              last = trainer.step(PreferenceBatch.hard(PROMPTS, CHOSEN, REJECTED));
            }
            assertTrue(last < first, name + ": loss " + first + " -> " + last);
          }
          trained = rm.score(PROMPTS, CHOSEN);
          assertNotEquals(before[0], trained[0]);
          rm.save(rmDir);
          if (untiedHead != null) {
            try (GptModel saved =
                Checkpoint.open(rmDir)
                    .load(ENGINE.root(), java.util.Set.of(GptRewardModel.HEAD))
                    .model()) {
              assertArrayEquals(
                  untiedHead, saved.parameters().get("lm_head.weight").toFloatArray(), name);
            }
          }
        }
        String architecture =
            JsonParser.parseString(Files.readString(rmDir.resolve("config.json")))
                .getAsJsonObject()
                .getAsJsonArray("architectures")
                .get(0)
                .getAsString();
        assertTrue(architecture.endsWith("ForSequenceClassification"), architecture);
        try (GptRewardModel loaded = GptRewardModel.load(ENGINE.root(), rmDir);
            GptRewardModel continued = GptRewardModel.fromCheckpoint(ENGINE.root(), rmDir, 99)) {
          assertArrayEquals(trained, loaded.score(PROMPTS, CHOSEN), name);
          assertArrayEquals(trained, continued.score(PROMPTS, CHOSEN), name + ": head kept");
        }
      }
    }
  }
}
