package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.api.lm.LanguageModel;
import dpo.backend.gpu.DjlOffline;
import dpo.backend.gpu.lm.Checkpoints;
import dpo.datasets.synthetic.SyntheticTask;
import dpo.datasets.synthetic.SyntheticTasks;
import dpo.datasets.synthetic.WordTokenizer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dpo eval} on tiny checkpoints with the synthetic task's oracle. */
class EvalCommandTest {
  static final SyntheticTask TASK = SyntheticTasks.get("safe-helpful");
  static final WordTokenizer WORDS = new WordTokenizer(TASK.vocabulary());

  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run dpo(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(args, new PrintWriter(out), new PrintWriter(err));
    return new Run(code, out.toString(), err.toString());
  }

  Path checkpoint(NDManager manager, String name, long seed) throws Exception {
    Path d = dir.resolve(name);
    try (LanguageModel m =
        Checkpoints.createPreset(manager, "llama", "tiny", WORDS.vocabularySize(), 64, seed)) {
      m.save(d);
    }
    Files.writeString(d.resolve("tokenizer.json"), WORDS.toHuggingFaceJson());
    Files.writeString(
        d.resolve("tokenizer_config.json"),
        "{\"add_bos_token\": true,"
            + " \"bos_token\": \"<bos>\", \"eos_token\": \"<eos>\", \"pad_token\": \"<pad>\"}");
    return d;
  }

  private Run eval(Path model, Path reference, Path prompts, String... more) {
    String[] base = {
      "eval",
      "--model",
      model.toString(),
      "--reference",
      reference.toString(),
      "--prompts",
      prompts.toString(),
      "--oracle",
      "synthetic",
      "--oracle-option",
      "task=safe-helpful",
      "--max-new-tokens",
      "8",
      "--eval-samples",
      "2"
    };
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return dpo(all);
  }

  @Test
  void aCheckpointAgainstItselfTiesWithNoKlAndAnotherOneDiverges() throws Exception {
    DjlOffline.enforce();
    try (NDManager manager = NDManager.newBaseManager()) {
      Path policy = checkpoint(manager, "policy", 3);
      Path reference = checkpoint(manager, "reference", 4);
      Path prompts = dir.resolve("prompts.txt");
      Files.write(prompts, TASK.prompts(0, 6, 1));

      Path out = dir.resolve("self");
      Run self = eval(policy, policy, prompts, "--out", out.toString());
      assertEquals(0, self.code(), self::toString);
      assertTrue(
          self.out().contains("| reward | greedy reward | win rate vs reference"), self.out());
      JsonNode json = new ObjectMapper().readTree(out.resolve("eval.json").toFile());
      assertEquals(0.5, json.get("win_rate").asDouble(), 0, "the same draws tie");
      assertEquals(0.0, json.get("kl").asDouble(), 0);
      assertEquals(json.get("reference_reward").asDouble(), json.get("reward").asDouble(), 0);
      assertEquals(6, json.get("prompt_count").asInt());
      String run = Files.readString(out.resolve("run.json"));
      assertTrue(run.contains("\"command\" : \"eval\""), run);
      assertTrue(run.contains("\"samples\" : 2"), run);

      Run other = eval(policy, reference, prompts, "--json", "--eval-temperature", "0");
      assertEquals(0, other.code(), other::toString);
      JsonNode o = new ObjectMapper().readTree(other.out());
      assertTrue(o.get("kl").asDouble() > 0, "two models diverge: " + o);
      assertEquals(
          o.get("reward_greedy").asDouble(),
          o.get("reward").asDouble(),
          0,
          "at temperature 0 the reward is the greedy reward");

      Files.delete(policy.resolve("tokenizer.json"));
      Files.delete(policy.resolve("tokenizer_config.json"));
      Run bare = eval(policy, reference, prompts, "--json", "--eval-temperature", "0");
      assertEquals(0, bare.code(), bare::toString);
      assertEquals(
          o.get("kl").asDouble(),
          new ObjectMapper().readTree(bare.out()).get("kl").asDouble(),
          0,
          "without its own tokenizer.json the model reads the reference's");
    }
  }

  @Test
  void alignOnOwnPromptsRecordsWhatASeedChangesAndEvalReadsItsCheckpoints() throws Exception {
    DjlOffline.enforce();
    try (NDManager manager = NDManager.newBaseManager()) {
      Path initial = checkpoint(manager, "initial", 5);
      Path prompts = dir.resolve("prompts.txt");
      Files.write(prompts, TASK.prompts(0, 20, 1));
      Path out = dir.resolve("align");
      Run align =
          dpo(
              "align",
              "--prompts",
              prompts.toString(),
              "--oracle",
              "synthetic",
              "--oracle-option",
              "task=safe-helpful",
              "--model",
              initial.toString(),
              "--samplers",
              "on-policy",
              "--seeds",
              "2",
              "--iterations",
              "1",
              "--train-prompts",
              "8",
              "--test-prompts",
              "4",
              "--batch-size",
              "4",
              "--epochs",
              "1",
              "--max-new-tokens",
              "6",
              "--eval-samples",
              "2",
              "--eval-temperature",
              "0.7",
              "--split-seed",
              "per-seed",
              "--out",
              out.toString());
      assertEquals(0, align.code(), align::toString);
      String run = Files.readString(out.resolve("run.json"));
      assertTrue(run.contains("split per seed"), run);
      assertTrue(run.contains("\"eval_samples\" : 2"), run);
      String md = Files.readString(out.resolve("results.md"));
      assertTrue(md.contains("evaluation at temperature 0.7 (2 responses per test prompt)"), md);

      Path checkpoint = out.resolve("runs/on-policy/seed-1/checkpoints/iteration-1");
      Run eval = eval(checkpoint, initial, prompts, "--json");
      assertEquals(0, eval.code(), eval::toString);
      JsonNode o = new ObjectMapper().readTree(eval.out());
      assertTrue(o.get("kl").asDouble() > 0, "DPO moved the policy: " + o);
    }
  }
}
