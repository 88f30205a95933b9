package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.Tokenizer;
import dpo.api.oracle.OracleConfig;
import dpo.api.oracle.RewardOracle;
import dpo.core.DpoRuntime;
import dpo.core.provenance.Provenance;
import dpo.core.provenance.RunRecord;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpo reward train --data}: a reward model fitted to a preference file reaches a held-out
 * accuracy far above chance on pairs that a word decides, from a fresh model with a trained
 * tokenizer and from a language-model checkpoint, and the {@code learned} oracle then scores the
 * preferred response above the other on pairs it never saw.
 */
class RewardDataTest {
  @TempDir static Path dir;
  static Path tokenizer;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Polite responses are preferred; the two vocabularies share no word. */
  private static final String[] GOOD = {"thanks", "gladly", "kindly", "sure", "welcome", "happy"};

  private static final String[] BAD = {"never", "go", "away", "rude", "stupid", "no"};
  private static final String[] TOPICS = {"weather", "tea", "trains", "music", "maps", "cats"};

  private record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
    }
  }

  private static Result dpo(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code;
    try (PrintWriter o = new PrintWriter(out);
        PrintWriter e = new PrintWriter(err)) {
      code = Main.execute(args, o, e);
    }
    return new Result(code, out.toString(), err.toString());
  }

  private static String words(String[] pool, SplittableRandom r) {
    StringBuilder b = new StringBuilder();
    int n = 2 + r.nextInt(3);
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : " ").append(pool[r.nextInt(pool.length)]);
    }
    return b.toString();
  }

  /** {prompt, chosen, rejected} texts. */
  static List<String[]> pairs(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<String[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String prompt = "tell me about " + TOPICS[r.nextInt(TOPICS.length)];
      out.add(new String[] {prompt, words(GOOD, r), words(BAD, r)});
    }
    return out;
  }

  @BeforeAll
  static void trainTokenizer() throws IOException {
    StringBuilder corpus = new StringBuilder();
    for (String[] p : pairs(300, 7)) {
      corpus.append(String.join(" ", p)).append('\n');
    }
    Path text = Files.writeString(dir.resolve("corpus.txt"), corpus.toString());
    tokenizer = dir.resolve("tok");
    Result r =
        dpo(
            "tokenizer",
            "train",
            "--input",
            text.toString(),
            "--vocab-size",
            "300",
            "--out",
            tokenizer.toString());
    assertEquals(0, r.exitCode(), r.toString());
  }

  private static Path trlJsonl(String name, List<String[]> pairs) throws IOException {
    StringBuilder b = new StringBuilder();
    for (String[] p : pairs) {
      ObjectNode row = JSON.createObjectNode();
      row.put("prompt", p[0]).put("chosen", p[1]).put("rejected", p[2]);
      b.append(JSON.writeValueAsString(row)).append('\n');
    }
    return Files.writeString(dir.resolve(name), b.toString());
  }

  /** Scored generation records (RLHFlow), gzipped: three responses, best and worst decide. */
  private static Path generationsGz(String name, List<String[]> pairs) throws IOException {
    ArrayNode rows = JSON.createArrayNode();
    for (String[] p : pairs) {
      ObjectNode row = rows.addObject();
      row.put("prompt", p[0]);
      row.putArray("responses").add(p[2]).add(p[1]).add(p[0]);
      row.putArray("rewards").add(-1.0).add(2.0).add(0.5);
    }
    Path file = dir.resolve(name);
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(JSON.writeValueAsBytes(rows));
    }
    return file;
  }

  private static double lastAccuracy(RunRecord record) {
    JsonNode accuracy = record.results().get("held_out_accuracy");
    return accuracy.get(accuracy.size() - 1).asDouble();
  }

  /** The learned oracle on pairs it never saw: how often the preferred response scores higher. */
  private static double oracleAgreement(Path model) {
    DpoRuntime runtime = DpoRuntime.builder().build();
    try (RewardOracle oracle =
        runtime
            .oracles()
            .get("learned")
            .create(OracleConfig.of(Map.of("model", model.toString(), "device", "cpu")))) {
      List<String> prompts = new ArrayList<>();
      List<String> responses = new ArrayList<>();
      for (String[] p : pairs(100, 12345)) {
        prompts.add(p[0]);
        responses.add(p[1]);
        prompts.add(p[0]);
        responses.add(p[2]);
      }
      double[] scores = oracle.score(prompts, responses);
      int right = 0;
      for (int i = 0; i < scores.length; i += 2) {
        right += scores[i] > scores[i + 1] ? 1 : 0;
      }
      return right / (scores.length / 2.0);
    }
  }

  @Test
  void aFreshModelLearnsTheFilesPreferencesAndServesAsOracle() throws IOException {
    Path data = trlJsonl("prefs.jsonl", pairs(240, 1));
    Path out = dir.resolve("rm-fresh");
    Result r =
        dpo(
            "reward",
            "train",
            "--data",
            data.toString(),
            "--tokenizer",
            tokenizer.toString(),
            "--context",
            "48",
            "--width",
            "32",
            "--heads",
            "2",
            "--layers",
            "1",
            "--epochs",
            "4",
            "--batch",
            "16",
            "--lr",
            "3e-3",
            "--eval-fraction",
            "0.25",
            "--out",
            out.toString());
    assertEquals(0, r.exitCode(), r.toString());
    assertTrue(r.out().contains("read 240 preference pairs"), r.toString());
    RunRecord record = RunRecord.readFrom(out);
    assertEquals(60, record.results().get("held_out_pairs").asInt());
    assertEquals(180, record.results().get("train_pairs").asInt());
    assertEquals(4, record.results().get("held_out_accuracy").size(), "one accuracy per epoch");
    double untrained = record.results().get("held_out_accuracy_untrained").asDouble();
    double last = lastAccuracy(record);
    assertTrue(last >= 0.9 && last > untrained + 0.2, untrained + " -> " + last + "\n" + r);
    RunRecord.Input input = record.inputs().get(0);
    assertEquals("preferences", input.role());
    assertEquals(Provenance.sha256(Files.readAllBytes(data)), input.sha256());
    // A checkpoint the oracle loads: the tokenizer files travelled with it.
    assertTrue(Files.isRegularFile(out.resolve("tokenizer_config.json")));
    assertEquals(
        Files.readString(tokenizer.resolve("tokenizer.json")),
        Files.readString(out.resolve("tokenizer.json")));
    assertTrue(oracleAgreement(out) >= 0.9);
  }

  @Test
  void aLanguageModelCheckpointIsAStartingPoint() throws IOException {
    Path lm = dir.resolve("lm");
    DpoRuntime runtime = DpoRuntime.builder().build();
    try (PolicyBackend backend = runtime.backends().get("djl").create(BackendConfig.defaults());
        LanguageModel model =
            backend
                .languageModels()
                .orElseThrow()
                .newLanguageModel(
                    new ModelConfig(
                        backend
                            .languageModels()
                            .orElseThrow()
                            .loadTokenizer(tokenizer)
                            .vocabularySize(),
                        32,
                        1,
                        2,
                        48),
                    5)) {
      model.save(lm);
    }
    for (String name : List.of("tokenizer.json", "tokenizer_config.json")) {
      Files.copy(tokenizer.resolve(name), lm.resolve(name));
    }
    Path data = generationsGz("generations.json.gz", pairs(200, 2));
    Path out = dir.resolve("rm-from-lm");
    Result r =
        dpo(
            "reward",
            "train",
            "--data",
            data.toString(),
            "--model",
            lm.toString(),
            "--epochs",
            "4",
            "--batch",
            "16",
            "--lr",
            "3e-3",
            "--out",
            out.toString());
    assertEquals(0, r.exitCode(), r.toString());
    RunRecord record = RunRecord.readFrom(out);
    assertEquals(20, record.results().get("held_out_pairs").asInt());
    double untrained = record.results().get("held_out_accuracy_untrained").asDouble();
    assertTrue(lastAccuracy(record) >= 0.9 && lastAccuracy(record) > untrained + 0.2, r.toString());
    assertEquals("initial model", record.inputs().get(1).role());
    JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
    assertEquals("GPT2ForSequenceClassification", config.get("architectures").get(0).asText());
    assertEquals(48, config.get("n_positions").asInt());
    assertTrue(oracleAgreement(out) >= 0.9);
    // dpo align takes it as its oracle, with the language model as the policy.
    StringBuilder prompts = new StringBuilder();
    for (String[] p : pairs(10, 3)) {
      prompts.append(p[0]).append('\n');
    }
    Path promptFile = Files.writeString(dir.resolve("prompts.txt"), prompts.toString());
    Path aligned = dir.resolve("align");
    Result alignment =
        dpo(
            "align",
            "--prompts",
            promptFile.toString(),
            "--model",
            lm.toString(),
            "--oracle",
            "learned",
            "--oracle-option",
            "model=" + out,
            "--samplers",
            "on-policy",
            "--seeds",
            "1",
            "--iterations",
            "1",
            "--epochs",
            "1",
            "--batch-size",
            "4",
            "--max-new-tokens",
            "6",
            "--test-prompts",
            "2",
            "--out",
            aligned.toString());
    assertEquals(0, alignment.exitCode(), alignment.toString());
    assertEquals("learned", RunRecord.readFrom(aligned).providers().oracle().id());
    assertTrue(Files.isRegularFile(aligned.resolve("results.csv")));
    // The oracle's tokenizer is the language model's: the same ids.
    try (PolicyBackend backend = runtime.backends().get("djl").create(BackendConfig.defaults())) {
      Tokenizer a = backend.languageModels().orElseThrow().loadTokenizer(lm);
      Tokenizer b = backend.languageModels().orElseThrow().loadTokenizer(out);
      String text = "tell me about tea " + String.join(" ", GOOD);
      assertArrayEquals(a.encode(text), b.encode(text));
      assertEquals(a.endOfSequence(), b.endOfSequence());
    }
  }
}
