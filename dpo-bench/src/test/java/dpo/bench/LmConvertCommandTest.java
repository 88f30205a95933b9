package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.api.lm.LanguageModel;
import dpo.backend.gpu.DjlOffline;
import dpo.backend.gpu.lm.Checkpoints;
import dpo.backend.gpu.text.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dpo lm convert} on a folder without tokenizer_config.json, to bf16 shards. */
class LmConvertCommandTest {
  @TempDir Path dir;

  @Test
  void convertWritesBf16ShardsThatScoreLikeTheSource() throws Exception {
    DjlOffline.enforce();
    Path model = dir.resolve("model");
    try (NDManager manager = NDManager.newBaseManager();
        LanguageModel m =
            Checkpoints.createPreset(
                manager, "llama", "tiny", LmCommandTest.WORDS.vocabularySize(), 64, 5)) {
      m.save(model);
    }
    Files.writeString(model.resolve("tokenizer.json"), LmCommandTest.WORDS.toHuggingFaceJson());
    Path out = dir.resolve("bf16");
    LmCommandTest.Run convert =
        LmCommandTest.dpo(
            "lm",
            "convert",
            "--model",
            model.toString(),
            "--out",
            out.toString(),
            "--dtype",
            "bf16",
            "--max-shard-size",
            "100KB");
    assertEquals(0, convert.code(), convert.err());
    assertTrue(convert.out().contains("bf16"), convert.out());
    assertTrue(convert.out().contains("shards"), convert.out());
    assertTrue(Files.exists(out.resolve("model.safetensors.index.json")));
    assertFalse(Files.exists(out.resolve("model.safetensors")));
    assertTrue(Files.exists(out.resolve("tokenizer.json")));
    JsonNode tokenizerConfig =
        new ObjectMapper().readTree(out.resolve("tokenizer_config.json").toFile());
    assertEquals("PreTrainedTokenizerFast", tokenizerConfig.get("tokenizer_class").asText());
    assertEquals(HfTokenizer.load(model).endOfSequence(), HfTokenizer.load(out).endOfSequence());

    LmCommandTest.Run info = LmCommandTest.dpo("lm", "info", out.toString());
    assertEquals(0, info.code(), info.err());
    assertTrue(info.out().contains("dtype                bf16"), info.out());

    Path rows = dir.resolve("rows.jsonl");
    Files.writeString(rows, "{\"prompt\": \"bees are\", \"response\": \"calm . honey\"}\n");
    List<Double> logps = new java.util.ArrayList<>();
    for (Path folder : List.of(model, out)) {
      Path scores = dir.resolve(folder.getFileName() + ".jsonl");
      LmCommandTest.Run score =
          LmCommandTest.dpo(
              "lm",
              "score",
              "--model",
              folder.toString(),
              "--input",
              rows.toString(),
              "--out",
              scores.toString());
      assertEquals(0, score.code(), score.err());
      logps.add(new ObjectMapper().readTree(Files.readString(scores)).get("logp").asDouble());
    }
    // bfloat16 keeps 8 significant bits per weight: the score moves by well under a percent.
    assertEquals(logps.get(0), logps.get(1), 0.01 * Math.abs(logps.get(0)), logps.toString());
    assertFalse(logps.get(0).equals(logps.get(1)), "the weights were rounded: " + logps);
  }
}
