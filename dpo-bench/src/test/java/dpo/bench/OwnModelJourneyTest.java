package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Align your own model" journey, tiny, from the command line only: a text file
 * written here, {@code dpo tokenizer train}, {@code dpo lm train} (pretraining a fresh Llama),
 * {@code dpo lm train} again (supervised fine-tuning on prompt/completion rows), {@code dpo align}
 * with a {@code command} oracle written in Python (standard library only), and {@code dpo eval} of
 * the aligned checkpoint against the fine-tuned one. On-policy DPO must raise the reward measured
 * at the sampling temperature, and {@code dpo eval} must agree.
 */
class OwnModelJourneyTest {
  @TempDir Path dir;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Words the scorer likes; the corpus has them in a fifth of its sentences' slots. */
  private static final String SCORER =
      String.join(
          "\n",
          "import json, sys",
          "LIKED = {'happily', 'park', 'tree', 'sang', 'jumped'}",
          "for line in sys.stdin:",
          "    pair = json.loads(line)",
          "    words = pair['response'].split()",
          "    reward = sum(w in LIKED for w in words) / max(1, len(words))",
          "    print(json.dumps({'reward': reward}), flush=True)",
          "");

  private static final String[] SUBJECTS = {
    "the cat", "the dog", "a bird", "my friend", "the child", "an old man"
  };
  private static final String[] VERBS = {
    "sat on", "ran to", "looked at", "walked past", "jumped over", "sang near"
  };
  private static final String[] OBJECTS = {
    "the mat", "the park", "a tree", "the house", "the river", "a small hat"
  };
  private static final String[] ENDINGS = {
    "happily", "slowly", "today", "again", "at night", "in the rain"
  };

  /** Runs a command as {@link LmTrainCommandTest#dpo} does and requires exit code 0. */
  private static LmTrainCommandTest.Result ok(String... args) {
    LmTrainCommandTest.Result r = LmTrainCommandTest.dpo(args);
    assertEquals(0, r.exitCode(), () -> String.join(" ", args) + "\n" + r);
    return r;
  }

  @Test
  void fromATextFileAndAPythonScorerToAnAlignedModel() throws Exception {
    assumeTrue(python3(), "python3 is needed for the command oracle of this test");
    SplittableRandom random = new SplittableRandom(1);
    List<String> corpus = new ArrayList<>();
    for (int i = 0; i < 1500; i++) {
      corpus.add(pick(random, SUBJECTS) + " " + rest(random));
    }
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      rows.add(
          JSON.writeValueAsString(
              java.util.Map.of(
                  "prompt", pick(random, SUBJECTS), "completion", " " + rest(random))));
    }
    List<String> prompts = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      prompts.add(pick(random, SUBJECTS));
    }
    Path text = Files.write(dir.resolve("corpus.txt"), corpus);
    Path sftRows = Files.write(dir.resolve("sft.jsonl"), rows);
    Path promptFile = Files.write(dir.resolve("prompts.txt"), prompts);
    Path scorer = Files.writeString(dir.resolve("score.py"), SCORER);
    String tok = dir.resolve("tok").toString();
    String pre = dir.resolve("pre").toString();
    String sft = dir.resolve("sft").toString();
    String aligned = dir.resolve("aligned").toString();

    ok("tokenizer", "train", "--input", text.toString(), "--vocab-size", "300", "--out", tok);
    ok(
        "lm",
        "train",
        "--data",
        text.toString(),
        "--arch",
        "llama",
        "--preset",
        "tiny",
        "--tokenizer",
        tok,
        "--out",
        pre,
        "--steps",
        "120",
        "--batch-size",
        "16",
        "--lr",
        "3e-3",
        "--context",
        "64",
        "--device",
        "cpu");
    ok(
        "lm",
        "train",
        "--data",
        sftRows.toString(),
        "--model",
        pre,
        "--out",
        sft,
        "--steps",
        "30",
        "--batch-size",
        "16",
        "--lr",
        "1e-3",
        "--device",
        "cpu");
    String command = "command=python3 " + scorer;
    ok(
        "align",
        "--model",
        sft,
        "--prompts",
        promptFile.toString(),
        "--oracle",
        "command",
        "--oracle-option",
        command,
        "--samplers",
        "on-policy",
        "--seeds",
        "1",
        "--iterations",
        "3",
        "--train-prompts",
        "96",
        "--test-prompts",
        "48",
        "--eval-samples",
        "4",
        "--max-new-tokens",
        "12",
        "--lr",
        "1e-3",
        "--device",
        "cpu",
        "--out",
        aligned);

    // results.csv: the reward at the sampling temperature (1) rises from the SFT model's.
    List<String> csv = Files.readAllLines(Path.of(aligned, "results.csv"));
    List<String> header = List.of(csv.get(0).split(","));
    int reward = header.indexOf("reward_mean");
    int greedy = header.indexOf("reward_greedy_mean");
    int kl = header.indexOf("kl_mean");
    assertTrue(reward >= 0 && greedy >= 0 && kl >= 0, csv.get(0));
    String[] first = csv.get(1).split(",");
    String[] last = csv.get(csv.size() - 1).split(",");
    assertEquals("0", first[1], csv.toString());
    assertEquals("3", last[1], csv.toString());
    double before = Double.parseDouble(first[reward]);
    double after = Double.parseDouble(last[reward]);
    assertTrue(
        after > before + 0.03,
        String.format(
            Locale.ROOT, "reward at temperature 1: %.3f -> %.3f%n%s", before, after, csv));
    assertTrue(Double.parseDouble(last[kl]) > 0, "the policy moved away from the SFT model");

    // dpo eval of the last checkpoint against the SFT model sees the same improvement.
    Path checkpoint = Path.of(aligned, "runs", "on-policy", "seed-1", "checkpoints", "iteration-3");
    LmTrainCommandTest.Result eval =
        ok(
            "eval",
            "--model",
            checkpoint.toString(),
            "--reference",
            sft,
            "--prompts",
            promptFile.toString(),
            "--oracle",
            "command",
            "--oracle-option",
            command,
            "--eval-samples",
            "2",
            "--max-new-tokens",
            "12",
            "--device",
            "cpu",
            "--json");
    JsonNode doc = JSON.readTree(eval.out());
    double evalReward = number(doc, "reward");
    double evalReferenceReward = number(doc, "reference_reward");
    double winRate = number(doc, "win_rate");
    System.out.printf(
        Locale.ROOT,
        "journey: align reward at temperature 1 %.3f -> %.3f; eval %.3f vs SFT %.3f, win rate %.3f%n",
        before,
        after,
        evalReward,
        evalReferenceReward,
        winRate);
    assertTrue(
        evalReward > evalReferenceReward + 0.03,
        "dpo eval: the aligned model's reward beats the SFT model's: " + eval.out());
    assertTrue(winRate > 0.5, "dpo eval: win rate against the SFT model: " + eval.out());
  }

  private static double number(JsonNode doc, String field) {
    JsonNode n = doc.get(field);
    assertTrue(n != null && n.isNumber(), "no number '" + field + "' in " + doc);
    return n.asDouble();
  }

  private static String pick(SplittableRandom random, String[] words) {
    return words[random.nextInt(words.length)];
  }

  private static String rest(SplittableRandom random) {
    return pick(random, VERBS) + " " + pick(random, OBJECTS) + " " + pick(random, ENDINGS) + " .";
  }

  private static boolean python3() {
    try {
      Process p = new ProcessBuilder("python3", "-c", "import json").start();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
