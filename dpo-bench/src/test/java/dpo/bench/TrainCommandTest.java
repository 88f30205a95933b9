package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
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
 * Drives {@code dpo train} (offline DPO) on a tiny model pretrained by {@code dpo lm train} and a
 * preference file of plain and conversational TRL rows: the first step's loss is log 2 (policy =
 * reference), training raises the held-out implicit-reward accuracy and margin, and a run stopped
 * and resumed ends bit for bit where an uninterrupted one does.
 */
class TrainCommandTest {
  @TempDir static Path dir;
  static Path base;
  static Path prefs;

  @BeforeAll
  static void baseModelAndPreferences() throws IOException {
    LmTrainCommandTest.corpusAndTokenizer(dir);
    base = dir.resolve("base");
    LmTrainCommandTest.Result r = LmTrainCommandTest.dpo(pretrainBase(base));
    assertEquals(0, r.exitCode(), r.toString());
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 24; i++) {
      rows.append(
          "{\"prompt\": \"the cat\", \"chosen\": \" sat on the mat\", \"rejected\": \" ran to"
              + " the park\"}\n");
      rows.append(
          "{\"prompt\": [{\"role\": \"user\", \"content\": \"the dog\"}], \"chosen\":"
              + " [{\"role\": \"assistant\", \"content\": \"ran to the park\"}], \"rejected\":"
              + " [{\"role\": \"assistant\", \"content\": \"sat on a cat\"}]}\n");
    }
    prefs = Files.writeString(dir.resolve("prefs.jsonl"), rows);
  }

  private static String[] pretrainBase(Path out) {
    return new String[] {
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
      out.toString()
    };
  }

  private static String[] train(Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--data",
                prefs.toString(),
                "--model",
                base.toString(),
                "--steps",
                "12",
                "--batch-size",
                "8",
                "--lr",
                "3e-3",
                "--eval-fraction",
                "0.1",
                "--eval-every",
                "4",
                "--checkpoint-every",
                "4",
                "--threads",
                "1",
                "--out",
                out.toString()));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  @Test
  void offlineDpoRaisesTheRewardAccuracyAndResumesExactly() throws IOException {
    Path straight = dir.resolve("dpo");
    LmTrainCommandTest.Result r = LmTrainCommandTest.dpo(train(straight));
    assertEquals(0, r.exitCode(), r.toString());
    assertTrue(r.out().contains("48 preference pairs: 43 to train on, 5 held out"), r.out());
    List<JsonNode> rows = LmTrainCommandTest.metrics(straight);
    List<JsonNode> steps = rows.stream().filter(n -> n.has("loss")).toList();
    List<JsonNode> evals = rows.stream().filter(n -> n.has("eval_loss")).toList();
    assertEquals(12, steps.size());
    assertEquals(3, evals.size());
    JsonNode first = steps.get(0);
    for (String name :
        List.of(
            "rewards/chosen",
            "rewards/rejected",
            "rewards/accuracies",
            "rewards/margins",
            "logps/chosen",
            "logps/rejected",
            "grad_norm",
            "learning_rate")) {
      assertTrue(first.has(name), name + " in " + first);
      assertTrue(
          evals.get(0).has("eval_" + name)
              || name.equals("grad_norm")
              || name.equals("learning_rate"),
          name);
    }
    assertEquals(Math.log(2), first.get("loss").asDouble(), 1e-5, "policy = reference: h = 0");
    assertEquals(0.0, first.get("rewards/accuracies").asDouble(), "no pair is ahead yet");
    JsonNode lastEval = evals.get(evals.size() - 1);
    assertEquals(1.0, lastEval.get("eval_rewards/accuracies").asDouble(), lastEval.toString());
    assertTrue(lastEval.get("eval_rewards/margins").asDouble() > 0.1, lastEval.toString());
    assertTrue(lastEval.get("eval_loss").asDouble() < Math.log(2) - 0.1, lastEval.toString());
    assertEquals("train (offline DPO)", RunRecord.readFrom(straight).command());
    assertTrue(Files.isRegularFile(straight.resolve("loss.png")));

    Path resumed = dir.resolve("resumed");
    LmTrainCommandTest.Result stopped = LmTrainCommandTest.dpo(train(resumed, "--stop-after", "8"));
    assertEquals(0, stopped.exitCode(), stopped.toString());
    LmTrainCommandTest.Result again = LmTrainCommandTest.dpo(train(resumed));
    assertEquals(0, again.exitCode(), again.toString());
    assertTrue(again.out().contains("resumed at step 8"), again.toString());
    assertArrayEquals(
        Files.readAllBytes(straight.resolve("model.safetensors")),
        Files.readAllBytes(resumed.resolve("model.safetensors")));
    assertEquals(
        Files.readString(straight.resolve("metrics.jsonl")),
        Files.readString(resumed.resolve("metrics.jsonl")));

    // The trained policy is a checkpoint other commands accept, also as a DPO reference.
    LmTrainCommandTest.Result info = LmTrainCommandTest.dpo("lm", "info", straight.toString());
    assertEquals(0, info.exitCode(), info.toString());
    LmTrainCommandTest.Result withReference =
        LmTrainCommandTest.dpo(
            "train",
            "--data",
            prefs.toString(),
            "--model",
            base.toString(),
            "--reference",
            straight.toString(),
            "--steps",
            "2",
            "--objective",
            "ipo",
            "--threads",
            "1",
            "--out",
            dir.resolve("with-reference").toString());
    assertEquals(0, withReference.exitCode(), withReference.toString());
  }
}
