package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.core.provenance.RunRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives {@code dpo lm train} on a tiny corpus: pretraining from a fresh model lowers the training
 * and held-out loss, the held-out perplexity is exp of the held-out loss, a run stopped and resumed
 * ends bit for bit where an uninterrupted one does, and the output folder is a checkpoint the other
 * commands accept; fine-tuning on prompt/completion rows then learns the completion.
 */
class LmTrainCommandTest {
  @TempDir static Path dir;
  static Path tokenizer;
  static Path corpus;
  private static final ObjectMapper JSON = new ObjectMapper();

  record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
    }
  }

  static Result dpo(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code;
    try (PrintWriter o = new PrintWriter(out);
        PrintWriter e = new PrintWriter(err)) {
      code = Main.execute(args, o, e);
    }
    return new Result(code, out.toString(), err.toString());
  }

  @BeforeAll
  static void corpusAndTokenizer() throws IOException {
    corpusAndTokenizer(dir);
  }

  /** Writes the corpus and trains its tokenizer in a folder (also for other tests). */
  static void corpusAndTokenizer(Path dir) throws IOException {
    String[] words = "the cat sat on a mat and the dog ran to the park".split(" ");
    SplittableRandom random = new SplittableRandom(7);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      int n = 4 + random.nextInt(8);
      for (int w = 0; w < n; w++) {
        text.append(w == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
      }
      text.append('\n');
    }
    corpus = Files.writeString(dir.resolve("corpus.txt"), text);
    tokenizer = dir.resolve("tok");
    Result r =
        dpo(
            "tokenizer",
            "train",
            "--input",
            corpus.toString(),
            "--vocab-size",
            "280",
            "--out",
            tokenizer.toString());
    assertEquals(0, r.exitCode(), r.toString());
  }

  private static String[] pretrain(Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "lm",
                "train",
                "--data",
                corpus.toString(),
                "--arch",
                "llama",
                "--preset",
                "tiny",
                "--tokenizer",
                tokenizer.toString(),
                "--context",
                "32",
                "--steps",
                "24",
                "--batch-size",
                "8",
                "--lr",
                "3e-3",
                "--eval-every",
                "8",
                "--checkpoint-every",
                "8",
                "--eval-fraction",
                "0.1",
                "--threads",
                "1",
                "--out",
                out.toString()));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  static List<JsonNode> metrics(Path out) throws IOException {
    List<JsonNode> rows = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
      rows.add(JSON.readTree(line));
    }
    return rows;
  }

  @Test
  void pretrainingLowersTheLossAndResumesExactly() throws IOException {
    Path straight = dir.resolve("straight");
    Result r = dpo(pretrain(straight));
    assertEquals(0, r.exitCode(), r.toString());
    List<JsonNode> rows = metrics(straight);
    List<JsonNode> train = rows.stream().filter(n -> n.has("loss")).toList();
    List<JsonNode> eval = rows.stream().filter(n -> n.has("eval_loss")).toList();
    assertEquals(24, train.size());
    assertEquals(List.of(8, 16, 24), eval.stream().map(n -> n.get("step").asInt()).toList());
    double first = train.get(0).get("loss").asDouble();
    double last = train.get(train.size() - 1).get("loss").asDouble();
    assertTrue(first > Math.log(200), "a fresh model is near uniform over 280 tokens: " + first);
    assertTrue(last < first - 1.5, first + " -> " + last);
    assertTrue(
        eval.get(2).get("eval_loss").asDouble() < eval.get(0).get("eval_loss").asDouble(),
        eval.toString());
    for (JsonNode e : eval) {
      assertEquals(
          Math.exp(e.get("eval_loss").asDouble()), e.get("eval_perplexity").asDouble(), 1e-9);
      assertTrue(e.get("eval_tokens").asDouble() > 0);
    }
    for (String f :
        List.of(
            "config.json",
            "model.safetensors",
            "tokenizer.json",
            "tokenizer_config.json",
            RunRecord.FILE,
            "loss.png",
            "loss.svg",
            "checkpoints/step-8/optimizer.safetensors",
            "checkpoints/step-24/trainer_state.json")) {
      assertTrue(Files.isRegularFile(straight.resolve(f)), f);
    }
    assertEquals("lm train", RunRecord.readFrom(straight).command());
    assertTrue(RunRecord.readFrom(straight).finished() != null);

    // Killed after step 16 (a checkpoint), then resumed: the same model and metrics.
    Path resumed = dir.resolve("resumed");
    Result stopped = dpo(pretrain(resumed, "--stop-after", "16"));
    assertEquals(0, stopped.exitCode(), stopped.toString());
    assertTrue(stopped.out().contains("stopped after step 16"), stopped.toString());
    assertTrue(!Files.exists(resumed.resolve("model.safetensors")));
    Result again = dpo(pretrain(resumed));
    assertEquals(0, again.exitCode(), again.toString());
    assertTrue(again.out().contains("resumed at step 16"), again.toString());
    assertArrayEquals(
        Files.readAllBytes(straight.resolve("model.safetensors")),
        Files.readAllBytes(resumed.resolve("model.safetensors")));
    assertEquals(
        Files.readString(straight.resolve("metrics.jsonl")),
        Files.readString(resumed.resolve("metrics.jsonl")));

    // Other settings into the same folder are refused, naming --out.
    Result other = dpo(pretrain(resumed, "--seed", "9"));
    assertEquals(2, other.exitCode(), other.toString());
    assertTrue(other.err().startsWith("dpo lm train: --out: "), other.err());

    // The other commands accept the output folder.
    Result info = dpo("lm", "info", straight.toString());
    assertEquals(0, info.exitCode(), info.toString());
    assertTrue(info.out().contains("llama"), info.out());
  }

  @Test
  void fineTuningOnPromptCompletionRowsLearnsTheCompletion() throws IOException {
    Path base = dir.resolve("base");
    assertEquals(0, dpo(pretrain(base)).exitCode());
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      rows.append("{\"prompt\": \"the cat\", \"completion\": \" sat on the mat\"}\n");
    }
    Path sft = Files.writeString(dir.resolve("sft.jsonl"), rows);
    Path scoreRows =
        Files.writeString(
            dir.resolve("score.jsonl"),
            "{\"prompt\": \"the cat\", \"response\": \" sat on the mat\"}\n");
    double before = score(base, scoreRows);
    Path tuned = dir.resolve("tuned");
    Result r =
        dpo(
            "lm",
            "train",
            "--data",
            sft.toString(),
            "--model",
            base.toString(),
            "--steps",
            "15",
            "--batch-size",
            "4",
            "--lr",
            "3e-3",
            "--eval-fraction",
            "0.1",
            "--threads",
            "1",
            "--out",
            tuned.toString());
    assertEquals(0, r.exitCode(), r.toString());
    assertTrue(r.out().contains("(pad)"), r.out());
    List<JsonNode> train = metrics(tuned).stream().filter(n -> n.has("loss")).toList();
    // The targets are the completion (" sat on the mat" and eos), not the prompt: 4 rows per step.
    double tokensPerRow = train.get(0).get("tokens").asDouble() / 4;
    assertTrue(tokensPerRow >= 2 && tokensPerRow <= 8, "completion tokens per row " + tokensPerRow);
    double after = score(tuned, scoreRows);
    assertTrue(after > before + 1, before + " -> " + after);
  }

  private static double score(Path model, Path rows) throws IOException {
    Path out = Files.createTempFile(dir, "score", ".jsonl");
    Result r =
        dpo(
            "lm",
            "score",
            "--model",
            model.toString(),
            "--input",
            rows.toString(),
            "--out",
            out.toString());
    assertEquals(0, r.exitCode(), r.toString());
    return JSON.readTree(Files.readAllLines(out).get(0)).get("logp").asDouble();
  }
}
