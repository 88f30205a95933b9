package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.lm.LanguageModel;
import dpo.backend.gpu.DjlBackendProvider;
import dpo.backend.gpu.DjlOffline;
import dpo.backend.gpu.lm.Checkpoints;
import dpo.backend.gpu.text.HfTokenizer;
import dpo.datasets.synthetic.WordTokenizer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LmCommandTest {
  static final WordTokenizer WORDS =
      new WordTokenizer(List.of("bees", "are", "calm", ".", "sting", "honey"));

  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run dpo(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(args, new PrintWriter(out), new PrintWriter(err));
    return new Run(code, out.toString(), err.toString());
  }

  /** {@code dpo lm generate --model M --prompts P --out O} with more arguments. */
  static Run generate(Path model, Path prompts, Path out, String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "lm",
                "generate",
                "--model",
                model.toString(),
                "--prompts",
                prompts.toString(),
                "--out",
                out.toString()));
    args.addAll(List.of(more));
    return dpo(args.toArray(String[]::new));
  }

  /** {@code dpo lm score --model M --input I --out O}. */
  static Run score(Path model, Path input, Path out) {
    return dpo(
        "lm",
        "score",
        "--model",
        model.toString(),
        "--input",
        input.toString(),
        "--out",
        out.toString());
  }

  /** A tiny random Llama with a word tokenizer that adds BOS to prompts. */
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

  @Test
  void infoScoreAndGenerateWorkOnAHuggingFaceFolder() throws Exception {
    DjlOffline.enforce();
    try (NDManager manager = NDManager.newBaseManager()) {
      Path model = checkpoint(manager, "policy", 3);
      Path reference = checkpoint(manager, "reference", 4);

      Run info = dpo("lm", "info", model.toString());
      assertEquals(0, info.code(), info.err());
      assertTrue(info.out().contains("model_type           llama"), info.out());
      assertTrue(info.out().contains("bos                  1 <bos>"), info.out());
      assertTrue(info.out().contains("dtype                f32"), info.out());

      Path rows = dir.resolve("rows.jsonl");
      Files.writeString(
          rows,
          "{\"prompt\": \"bees are\", \"response\": \"calm .\"}\n"
              + "{\"prompt\": \"honey\", \"response\": \"bees sting bees\"}\n");
      Path scores = dir.resolve("scores.jsonl");
      Run score = score(model, rows, scores);
      assertEquals(0, score.code(), score.err());
      List<String> lines = Files.readAllLines(scores);
      assertEquals(2, lines.size());
      HfTokenizer tokenizer = HfTokenizer.load(model);
      assertArrayEquals(
          new int[] {WordTokenizer.BOS, 4, 5},
          tokenizer.encodePrompt("bees are"),
          "the prompt gets BOS");
      try (PolicyBackend backend = new DjlBackendProvider().create(BackendConfig.defaults());
          LanguageModel loaded = backend.languageModels().orElseThrow().loadLanguageModel(model)) {
        double[] expected =
            loaded.sequenceLogProbs(
                List.of(new int[] {1, 4, 5}, new int[] {1, 9}),
                List.of(new int[] {6, 7}, new int[] {4, 8, 4}));
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        JsonNode second = new ObjectMapper().readTree(lines.get(1));
        assertEquals(expected[0], first.get("logp").asDouble(), 1e-6);
        assertEquals(2, first.get("tokens").asInt());
        assertEquals(expected[1], second.get("logp").asDouble(), 1e-6);
        assertEquals(3, second.get("tokens").asInt());

        // A saved model is self-contained: its tokenizer files travel with it.
        Path copy = dir.resolve("copy");
        loaded.save(copy);
        assertEquals(
            Files.readString(model.resolve("tokenizer_config.json")),
            Files.readString(copy.resolve("tokenizer_config.json")));
        assertEquals(
            Files.readString(model.resolve("tokenizer.json")),
            Files.readString(copy.resolve("tokenizer.json")));
      }

      Path prompts = dir.resolve("prompts.jsonl");
      Files.writeString(prompts, "{\"prompt\": \"bees are\"}\n{\"prompt\": \"honey\"}\n");
      Path greedy = dir.resolve("greedy.jsonl");
      Run g = generate(model, prompts, greedy, "--greedy", "--max-new-tokens", "6");
      assertEquals(0, g.code(), g.err());
      Path mixed = dir.resolve("mixed.jsonl");
      Run m =
          generate(
              model,
              prompts,
              mixed,
              "--greedy",
              "--max-new-tokens",
              "6",
              "--mix",
              "1,0",
              "--reference",
              reference.toString());
      assertEquals(0, m.code(), m.err());
      assertEquals(
          Files.readAllLines(greedy),
          Files.readAllLines(mixed),
          "weights 1, 0 are the policy alone");
      JsonNode line = new ObjectMapper().readTree(Files.readAllLines(greedy).get(0));
      assertEquals("bees are", line.get("prompt").asText());
      assertTrue(line.has("completion"));
      Path sampled = dir.resolve("sampled.jsonl");
      Run s =
          generate(
              model,
              prompts,
              sampled,
              "--temperature",
              "0.7",
              "--top-k",
              "3",
              "--top-p",
              "0.9",
              "--seed",
              "5",
              "--max-new-tokens",
              "8");
      assertEquals(0, s.code(), s.err());
    }
  }

  /**
   * Conversations are read as dpo lm train and dpo train render them, and the model's context
   * bounds the rows: a default length that fits, an explicit one that does not named with the
   * length that does.
   */
  @Test
  void conversationsAndTheContextAreReadAsTrainingReadsThem() throws Exception {
    DjlOffline.enforce();
    try (NDManager manager = NDManager.newBaseManager()) {
      Path model = checkpoint(manager, "policy", 3);
      Path chat = dir.resolve("chat.jsonl");
      Files.writeString(
          chat,
          "{\"prompt\": [{\"role\": \"user\", \"content\": \"bees are\"}],"
              + " \"chosen\": [{\"role\": \"assistant\", \"content\": \"calm .\"}],"
              + " \"rejected\": [{\"role\": \"assistant\", \"content\": \"honey\"}]}\n");
      Path plain = dir.resolve("plain.jsonl");
      Files.writeString(
          plain,
          "{\"prompt\": \"user: bees are\\nassistant:\", \"response\": \" calm .\"}\n"
              + "{\"prompt\": \"user: bees are\\nassistant:\", \"response\": \" honey\"}\n");
      Path chatScores = dir.resolve("chat-scores.jsonl");
      Path plainScores = dir.resolve("plain-scores.jsonl");
      for (Path[] io : new Path[][] {{chat, chatScores}, {plain, plainScores}}) {
        Run r = score(model, io[0], io[1]);
        assertEquals(0, r.code(), r.err());
      }
      assertEquals(Files.readAllLines(plainScores), Files.readAllLines(chatScores));

      Path chatPrompts = dir.resolve("chat-prompts.jsonl");
      Files.writeString(
          chatPrompts, "{\"prompt\": [{\"role\": \"user\", \"content\": \"bees are\"}]}\n");
      Path plainPrompts = dir.resolve("plain-prompts.jsonl");
      Files.writeString(plainPrompts, "{\"prompt\": \"user: bees are\\nassistant:\"}\n");
      Path fromChat = dir.resolve("from-chat.jsonl");
      Path fromPlain = dir.resolve("from-plain.jsonl");
      assertEquals(0, generate(model, chatPrompts, fromChat, "--greedy").code());
      assertEquals(0, generate(model, plainPrompts, fromPlain, "--greedy").code());
      assertEquals(
          new ObjectMapper().readTree(Files.readString(fromPlain)).get("completion"),
          new ObjectMapper().readTree(Files.readString(fromChat)).get("completion"));

      // A text file holds one prompt per line, as align's and eval's --prompts.
      Path text = Files.writeString(dir.resolve("prompts.txt"), "honey\n\nbees are\n");
      Path fromText = dir.resolve("from-text.jsonl");
      assertEquals(0, generate(model, text, fromText, "--greedy").code());
      assertEquals(
          List.of("honey", "bees are"),
          Files.readAllLines(fromText).stream()
              .map(l -> l.replaceAll("^\\{\"prompt\":\"([^\"]*)\".*", "$1"))
              .toList());

      // 40 words and BOS: the default 64 new tokens would overrun the context of 64; 23 fit.
      Path longPrompts = dir.resolve("long.jsonl");
      Files.writeString(
          longPrompts,
          "{\"prompt\": \"honey\"}\n{\"prompt\": \"" + "bees ".repeat(40).strip() + "\"}\n");
      Run fits = generate(model, longPrompts, dir.resolve("fits.jsonl"), "--greedy");
      assertEquals(0, fits.code(), fits.err());
      Run tooMany =
          generate(
              model, longPrompts, dir.resolve("no.jsonl"), "--greedy", "--max-new-tokens", "24");
      assertEquals(2, tooMany.code());
      assertEquals(
          "dpo lm generate: --max-new-tokens 24 does not fit: prompt 2 of "
              + longPrompts
              + " has 41 tokens and the model's context is 64; lower --max-new-tokens to 23 or"
              + " shorten that prompt (see 'dpo lm generate --help')",
          tooMany.err().strip());
      Path full = dir.resolve("full.jsonl");
      Files.writeString(full, "{\"prompt\": \"" + "bees ".repeat(64).strip() + "\"}\n");
      Run noRoom = generate(model, full, dir.resolve("none.jsonl"), "--greedy");
      assertEquals(2, noRoom.code());
      assertEquals(
          "dpo lm generate: --prompts: "
              + full
              + ": prompt 1 has 65 tokens and the model's context is 64, which leaves no room for"
              + " a new token; shorten that prompt",
          noRoom.err().strip());
      Path longRow = dir.resolve("long-row.jsonl");
      Files.writeString(
          longRow,
          "{\"prompt\": \"honey\", \"response\": \"calm\"}\n"
              + "{\"prompt\": \"honey\", \"response\": \""
              + "bees ".repeat(70).strip()
              + "\"}\n");
      Run tooLong = score(model, longRow, dir.resolve("s.jsonl"));
      assertEquals(2, tooLong.code());
      assertEquals(
          "dpo lm score: --input: "
              + longRow
              + ":2: the prompt and its response are 72 tokens, more than the model's context of"
              + " 64; shorten them or score with a model of a longer context",
          tooLong.err().strip());
    }
  }

  /** Sampling options: each bad value named by the option it came from, before a model loads. */
  @Test
  void badSamplingOptionsAreNamedBeforeAModelLoads() throws Exception {
    String[][] table = {
      {"--top-p", "1.5", "--top-p must be a number in (0, 1] (1: off), got 1.5"},
      {"--top-p", "0", "--top-p must be a number in (0, 1] (1: off), got 0"},
      {"--top-k", "-1", "--top-k must be a whole number >= 0 (0: off), got -1"},
      {
        "--temperature",
        "0",
        "--temperature must be a finite number > 0, got 0 (--greedy takes the most likely token)"
      },
      {"--temperature", "Infinity", "--temperature must be a finite number > 0, got Infinity"},
      {"--max-new-tokens", "0", "--max-new-tokens must be a whole number >= 1, got 0"},
    };
    for (String[] row : table) {
      Run r =
          generate(
              dir.resolve("absent"),
              dir.resolve("absent.jsonl"),
              dir.resolve("o.jsonl"),
              row[0],
              row[1]);
      assertEquals(2, r.code(), r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertTrue(
          r.err().startsWith("dpo lm generate: " + row[2]), row[0] + " " + row[1] + ": " + r.err());
    }
  }

  /** A bad value in the folder's generation_config.json names the file, its key and the option. */
  @Test
  void badGenerationConfigNamesTheFileAndTheOverridingOption() throws Exception {
    DjlOffline.enforce();
    try (NDManager manager = NDManager.newBaseManager()) {
      Path model = checkpoint(manager, "policy", 3);
      Path prompts = dir.resolve("prompts.jsonl");
      Files.writeString(prompts, "{\"prompt\": \"bees are\"}\n");
      String[][] table = {
        {
          "{\"do_sample\": true, \"top_p\": 1.5}",
          "(top_p): must be a number in (0, 1] (1: off), got 1.5; fix the file or give --top-p"
        },
        {
          "{\"do_sample\": true, \"top_k\": 2.5}",
          "(top_k): must be a whole number >= 0 (0: off), got 2.5;"
              + " fix the file or give --top-k"
        },
        {"{\"max_new_tokens\": \"many\"}", "(max_new_tokens): must be a number, got \"many\""},
        {"{\"do_sample\": 1}", "(do_sample): must be true or false, got 1"},
      };
      for (String[] row : table) {
        Files.writeString(model.resolve("generation_config.json"), row[0]);
        Path out = dir.resolve("out.jsonl");
        Run r = generate(model, prompts, out);
        assertEquals(2, r.code(), r.err());
        assertEquals(
            "dpo lm generate: --model: " + model.resolve("generation_config.json") + " " + row[1],
            r.err().strip(),
            row[0]);
        assertTrue(Files.notExists(out), "nothing written on bad input");
      }
      // The option overrides the file's bad value.
      Files.writeString(
          model.resolve("generation_config.json"), "{\"do_sample\": true, \"top_p\": 1.5}");
      Run fixed =
          generate(
              model,
              prompts,
              dir.resolve("fixed.jsonl"),
              "--top-p",
              "0.9",
              "--max-new-tokens",
              "2");
      assertEquals(0, fixed.code(), fixed.err());
    }
  }

  @Test
  void aTokenizerWithMoreTokensThanTheModelIsRefusedByEveryCommand() throws Exception {
    DjlOffline.enforce();
    try (NDManager manager = NDManager.newBaseManager()) {
      Path model = checkpoint(manager, "policy", 3);
      WordTokenizer larger =
          new WordTokenizer(List.of("bees", "are", "calm", ".", "sting", "honey", "wax", "hive"));
      Files.writeString(model.resolve("tokenizer.json"), larger.toHuggingFaceJson());
      Path rows = dir.resolve("rows.jsonl");
      Files.writeString(rows, "{\"prompt\": \"bees are\", \"response\": \"calm .\"}\n");
      Path prompts = dir.resolve("prompts.txt");
      Files.writeString(prompts, "bees are\n");
      Run[] runs = {
        dpo("lm", "info", model.toString()),
        score(model, rows, dir.resolve("scores.jsonl")),
        generate(model, prompts, dir.resolve("out.jsonl"), "--max-new-tokens", "2")
      };
      for (Run run : runs) {
        assertEquals(2, run.code(), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(
            run.err()
                .contains(
                    model.resolve("tokenizer.json")
                        + ": the tokenizer has "
                        + larger.vocabularySize()
                        + " tokens"),
            run.err());
        assertTrue(run.err().contains("the files belong to different models"), run.err());
      }
      assertTrue(
          Files.notExists(dir.resolve("scores.jsonl"))
              && Files.notExists(dir.resolve("out.jsonl")));
    }
  }

  @Test
  void badInputGetsOneLineAndExitTwo() throws Exception {
    Run noReference = generate(dir, Path.of("p"), Path.of("o"), "--mix", "1.5,-0.5");
    assertEquals(2, noReference.code());
    assertTrue(noReference.err().contains("--mix and --reference go together"), noReference.err());
    Run missing = dpo("lm", "info", dir.resolve("absent").toString());
    assertEquals(2, missing.code());
    assertTrue(
        missing.err().strip().lines().count() == 1
            && missing.err().contains("absent: not a checkpoint directory"),
        missing.err());
    Files.createDirectories(dir.resolve("m"));
    Files.writeString(
        dir.resolve("m/config.json"),
        "{\"model_type\": \"llama\","
            + " \"vocab_size\": 8, \"hidden_size\": 8, \"num_hidden_layers\": 1,"
            + " \"num_attention_heads\": 2, \"intermediate_size\": 8, \"max_position_embeddings\": 8,"
            + " \"rope_scaling\": {\"rope_type\": \"dynamic\", \"factor\": 2}}");
    Run rope = dpo("lm", "info", dir.resolve("m").toString());
    assertEquals(2, rope.code());
    assertTrue(
        rope.err()
            .contains(
                "config.json (rope_scaling.rope_type): rope scaling"
                    + " 'dynamic' is not implemented; supported: default, llama3"),
        rope.err());
  }
}
