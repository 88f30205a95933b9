package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.lm.LanguageModel;
import dpo.backend.gpu.DjlBackendProvider;
import dpo.backend.gpu.DjlOffline;
import dpo.core.provenance.RunRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpo lm train} and {@code dpo train} with {@code --lora-rank}: only adapters are trained
 * (the base checkpoint's bytes and its scores through the adapted model's base view are unchanged),
 * the output and checkpoints are PEFT adapter folders that {@code dpo lm score} loads, a stopped
 * run resumes to the bytes of an uninterrupted one, and DPO against the policy's own base view
 * raises the implicit-reward accuracy.
 */
class LoraTrainCommandTest {
  @TempDir static Path dir;
  static Path base;
  static Path sft;
  static Path scoreRows;
  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void baseModel() throws IOException {
    DjlOffline.enforce();
    LmTrainCommandTest.corpusAndTokenizer(dir);
    base = dir.resolve("base");
    LmTrainCommandTest.Result r =
        LmTrainCommandTest.dpo(
            "lm",
            "train",
            "--data",
            LmTrainCommandTest.corpus.toString(),
            "--arch",
            "llama",
            "--preset",
            "tiny",
            "--tokenizer",
            LmTrainCommandTest.tokenizer.toString(),
            "--context",
            "32",
            "--steps",
            "12",
            "--lr",
            "3e-3",
            "--threads",
            "1",
            "--out",
            base.toString());
    assertEquals(0, r.exitCode(), r.toString());
    assertTrue(
        r.out().contains("wrote the model to " + base + " (config.json, model.safetensors,"),
        r.out());
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      rows.append("{\"prompt\": \"the cat\", \"completion\": \" sat on the mat\"}\n");
    }
    sft = Files.writeString(dir.resolve("sft.jsonl"), rows);
    scoreRows =
        Files.writeString(
            dir.resolve("score.jsonl"),
            "{\"prompt\": \"the cat\", \"response\": \" sat on the mat\"}\n");
  }

  private static String[] sftLora(Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "lm",
                "train",
                "--data",
                sft.toString(),
                "--model",
                base.toString(),
                "--lora-rank",
                "4",
                "--lora-targets",
                "all-linear",
                "--steps",
                "24",
                "--batch-size",
                "4",
                "--lr",
                "1e-2",
                "--checkpoint-every",
                "8",
                "--eval-fraction",
                "0",
                "--threads",
                "1",
                "--out",
                out.toString()));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  @Test
  void lmTrainWithLoraTrainsAdaptersOnlyAndResumesExactly() throws IOException {
    byte[] baseWeights = Files.readAllBytes(base.resolve("model.safetensors"));
    double before = score(base);
    Path straight = dir.resolve("lora-sft");
    LmTrainCommandTest.Result r = LmTrainCommandTest.dpo(sftLora(straight));
    assertEquals(0, r.exitCode(), r.toString());
    List<JsonNode> train =
        LmTrainCommandTest.metrics(straight).stream().filter(n -> n.has("loss")).toList();
    assertEquals(24, train.size());
    double first = train.get(0).get("loss").asDouble();
    double last = train.get(train.size() - 1).get("loss").asDouble();
    assertTrue(last < first - 0.3, first + " -> " + last);
    for (String f :
        List.of(
            "adapter_config.json",
            "adapter_model.safetensors",
            "checkpoints/step-8/adapter_model.safetensors",
            "checkpoints/step-8/optimizer.safetensors")) {
      assertTrue(Files.isRegularFile(straight.resolve(f)), f);
    }
    assertFalse(Files.exists(straight.resolve("model.safetensors")), "adapters only");
    assertTrue(
        r.out()
            .contains(
                "wrote the model to "
                    + straight
                    + " (adapter_config.json,"
                    + " adapter_model.safetensors, tokenizer files, run.json)"),
        "the last line names the files written: " + r.out());
    JsonNode adapter = JSON.readTree(straight.resolve("adapter_config.json").toFile());
    assertEquals(4, adapter.get("r").asInt());
    assertEquals(8.0, adapter.get("lora_alpha").asDouble());
    assertEquals(
        base.toAbsolutePath().normalize(),
        Path.of(adapter.get("base_model_name_or_path").asText()).toAbsolutePath().normalize());

    // The base is untouched, and lm score loads base + adapters from the output folder.
    assertArrayEquals(baseWeights, Files.readAllBytes(base.resolve("model.safetensors")));
    double after = score(straight);
    assertTrue(after > before + 1, before + " -> " + after);
    try (PolicyBackend backend = new DjlBackendProvider().create(BackendConfig.defaults());
        LanguageModel baseModel = backend.languageModels().orElseThrow().loadLanguageModel(base);
        LanguageModel adapted =
            backend.languageModels().orElseThrow().loadLanguageModel(straight)) {
      assertTrue(adapted.hasAdapters());
      List<int[]> prompts = List.of(new int[] {1, 5, 9}, new int[] {1, 7});
      List<int[]> responses = List.of(new int[] {4, 6, 8}, new int[] {10, 11});
      double[] expected = baseModel.sequenceLogProbs(prompts, responses);
      assertArrayEquals(
          expected, adapted.withoutAdapters().sequenceLogProbs(prompts, responses), 0.0);
      assertFalse(
          expected[0] == adapted.sequenceLogProbs(prompts, responses)[0], "adapters trained");
    }

    // lm info and lm generate load the adapter folder (and its base) as well.
    LmTrainCommandTest.Result info = LmTrainCommandTest.dpo("lm", "info", straight.toString());
    assertEquals(0, info.exitCode(), info.toString());
    Path prompts = Files.writeString(dir.resolve("prompts.jsonl"), "{\"prompt\": \"the cat\"}\n");
    Path generated = dir.resolve("generated.jsonl");
    LmTrainCommandTest.Result g =
        LmTrainCommandTest.dpo(
            "lm",
            "generate",
            "--model",
            straight.toString(),
            "--prompts",
            prompts.toString(),
            "--out",
            generated.toString(),
            "--greedy",
            "--max-new-tokens",
            "4");
    assertEquals(0, g.exitCode(), g.toString());
    assertEquals(1, Files.readAllLines(generated).size());

    // lm convert merges the adapters into a full checkpoint that scores as the adapted model.
    Path merged = dir.resolve("lora-sft-merged");
    LmTrainCommandTest.Result c =
        LmTrainCommandTest.dpo(
            "lm", "convert", "--model", straight.toString(), "--out", merged.toString());
    assertEquals(0, c.exitCode(), c.toString());
    assertTrue(
        c.out().startsWith("merged the adapters of " + straight + " into " + merged + ": f32"),
        c.out());
    assertTrue(Files.isRegularFile(merged.resolve("model.safetensors")), c.toString());
    assertTrue(Files.isRegularFile(merged.resolve("config.json")));
    assertTrue(Files.isRegularFile(merged.resolve("tokenizer.json")));
    assertFalse(Files.exists(merged.resolve("adapter_config.json")), "a full checkpoint");
    assertEquals(after, score(merged), 1e-4);

    // The adapter folder as --model, without --lora-rank: its own adapters go on training, and the
    // last line names the files written.
    Path further = dir.resolve("lora-sft-further");
    LmTrainCommandTest.Result more =
        LmTrainCommandTest.dpo(
            "lm",
            "train",
            "--data",
            sft.toString(),
            "--model",
            straight.toString(),
            "--steps",
            "2",
            "--eval-fraction",
            "0",
            "--threads",
            "1",
            "--out",
            further.toString());
    assertEquals(0, more.exitCode(), more.toString());
    assertTrue(
        more.out().contains("wrote the model to " + further + " (adapter_config.json,"),
        more.out());
    assertEquals(
        4, JSON.readTree(further.resolve("adapter_config.json").toFile()).get("r").asInt());
    assertFalse(Files.exists(further.resolve("model.safetensors")), "adapters only");

    // Killed after step 16, resumed from the adapter checkpoint and its optimizer state.
    Path resumed = dir.resolve("lora-sft-resumed");
    LmTrainCommandTest.Result stopped =
        LmTrainCommandTest.dpo(sftLora(resumed, "--stop-after", "16"));
    assertEquals(0, stopped.exitCode(), stopped.toString());
    LmTrainCommandTest.Result again = LmTrainCommandTest.dpo(sftLora(resumed));
    assertEquals(0, again.exitCode(), again.toString());
    assertTrue(again.out().contains("resumed at step 16"), again.toString());
    assertArrayEquals(
        Files.readAllBytes(straight.resolve("adapter_model.safetensors")),
        Files.readAllBytes(resumed.resolve("adapter_model.safetensors")));
    assertEquals(
        Files.readString(straight.resolve("metrics.jsonl")),
        Files.readString(resumed.resolve("metrics.jsonl")));

    // Another rank into the same folder is another run: refused, naming --out.
    LmTrainCommandTest.Result other = LmTrainCommandTest.dpo(sftLora(resumed, "--lora-alpha", "2"));
    assertEquals(2, other.exitCode(), other.toString());
    assertTrue(other.err().startsWith("dpo lm train: --out: "), other.err());
  }

  @Test
  void dpoTrainWithLoraUsesTheBaseViewAsReference() throws IOException {
    byte[] baseWeights = Files.readAllBytes(base.resolve("model.safetensors"));
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 24; i++) {
      rows.append(
          "{\"prompt\": \"the cat\", \"chosen\": \" sat on the mat\", \"rejected\": \" ran to"
              + " the park\"}\n");
    }
    Path prefs = Files.writeString(dir.resolve("prefs.jsonl"), rows);
    Path out = dir.resolve("lora-dpo");
    LmTrainCommandTest.Result r =
        LmTrainCommandTest.dpo(
            "train",
            "--data",
            prefs.toString(),
            "--model",
            base.toString(),
            "--lora-rank",
            "4",
            "--lora-targets",
            "q_proj,v_proj,o_proj,up_proj,down_proj",
            "--steps",
            "12",
            "--batch-size",
            "8",
            "--lr",
            "1e-2",
            "--eval-fraction",
            "0.1",
            "--eval-every",
            "6",
            "--threads",
            "1",
            "--out",
            out.toString());
    assertEquals(0, r.exitCode(), r.toString());
    List<JsonNode> rowsOut = LmTrainCommandTest.metrics(out);
    List<JsonNode> steps = rowsOut.stream().filter(n -> n.has("loss")).toList();
    List<JsonNode> evals = rowsOut.stream().filter(n -> n.has("eval_loss")).toList();
    JsonNode first = steps.get(0);
    assertEquals(Math.log(2), first.get("loss").asDouble(), 1e-6, "adapters start at zero");
    assertEquals(0.0, first.get("rewards/accuracies").asDouble());
    JsonNode lastEval = evals.get(evals.size() - 1);
    assertEquals(1.0, lastEval.get("eval_rewards/accuracies").asDouble(), lastEval.toString());
    assertTrue(lastEval.get("eval_rewards/margins").asDouble() > 0.1, lastEval.toString());
    assertTrue(Files.isRegularFile(out.resolve("adapter_model.safetensors")));
    assertTrue(
        r.out().contains("wrote the policy to " + out + " (adapter_config.json,"),
        "the last line names the files written: " + r.out());
    assertFalse(Files.exists(out.resolve("model.safetensors")));
    assertArrayEquals(baseWeights, Files.readAllBytes(base.resolve("model.safetensors")));
    String record = Files.readString(out.resolve(RunRecord.FILE));
    assertTrue(record.contains("\"lora\"") && record.contains("down_proj"), record);
  }

  private static double score(Path model) throws IOException {
    Path out = Files.createTempFile(dir, "score", ".jsonl");
    LmTrainCommandTest.Result r =
        LmTrainCommandTest.dpo(
            "lm",
            "score",
            "--model",
            model.toString(),
            "--input",
            scoreRows.toString(),
            "--out",
            out.toString());
    assertEquals(0, r.exitCode(), r.toString());
    return JSON.readTree(Files.readAllLines(out).get(0)).get("logp").asDouble();
  }
}
