package dpo.spark.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.io.DurableFiles;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LanguageModels;
import dpo.api.lm.ModelConfig;
import dpo.api.oracle.RewardOracle;
import dpo.core.DpoRuntime;
import dpo.core.align.AlignExperiment;
import dpo.core.align.GenerationEngine;
import dpo.core.align.GenerationEngineProvider;
import dpo.core.align.LocalGeneration;
import dpo.datasets.synthetic.WordTokenizer;
import dpo.spark.SparkSessions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spark engine on {@code local[2]}: its records equal the local engine's prompt for prompt, and
 * a whole {@code align} run gives the local run's results byte for byte.
 */
class SparkGenerationTest {
  static final DpoRuntime RUNTIME = DpoRuntime.builder().build();

  @TempDir Path tmp;

  @Test
  void recordsEqualTheLocalEnginesForAnyPartitioning() throws Exception {
    compareRecords("synthetic", Map.of());
  }

  @Test
  void aCommandOracleRunsOneProcessPerTaskSlotAndScoresAsLocally() throws Exception {
    // The scorer notes its process id in a folder, so that the processes can be counted.
    Path pids = Files.createDirectories(tmp.resolve("pids"));
    Path scorer =
        Files.writeString(
            tmp.resolve("score.py"),
            String.join(
                "\n",
                "import json, os, sys",
                "open(os.path.join(sys.argv[1], str(os.getpid())), 'w').close()",
                "for line in sys.stdin:",
                "    words = json.loads(line)['response'].split()",
                "    reward = len(set(words)) / (1 + len(words))",
                "    print(json.dumps({'reward': reward}), flush=True)",
                ""));
    compareRecords("command", Map.of("command", "python3 " + scorer + " " + pids));
    try (var files = Files.list(pids)) {
      long processes = files.count();
      // One for the local engine, one or two for the two task slots of local[2], over 3 rounds.
      assertTrue(processes >= 2 && processes <= 3, processes + " scorer processes");
    }
  }

  private void compareRecords(String oracleId, Map<String, String> oracleOptions) throws Exception {
    WordTokenizer words = new WordTokenizer(AlignRuns.TASK.vocabulary());
    List<String> prompts = AlignRuns.TASK.prompts(0, 13, 5);
    int newTokens = AlignRuns.TASK.maxResponseWords() + 1;
    try (PolicyBackend backend = RUNTIME.backends().get("djl").create(new BackendConfig(1));
        RewardOracle oracle = AlignExperiment.oracle(RUNTIME, oracleId, oracleOptions, 1)) {
      LanguageModels lm = backend.languageModels().orElseThrow();
      // Checkpoints with the task's tokenizer, as align's models have: policy and reference differ.
      Path policyDir = tmp.resolve("policy");
      Path referenceDir = tmp.resolve("reference");
      ModelConfig shape =
          new ModelConfig(
              words.vocabularySize(), 16, 1, 2, 1 + AlignRuns.TASK.maxPromptWords() + newTokens);
      for (Object[] m : new Object[][] {{policyDir, 3L}, {referenceDir, 4L}}) {
        try (LanguageModel model = lm.newLanguageModel(shape, (Long) m[1])) {
          model.save((Path) m[0]);
        }
        DurableFiles.write(
            ((Path) m[0]).resolve("tokenizer.json"),
            words.toHuggingFaceJson().getBytes(StandardCharsets.UTF_8));
      }
      List<GenerationEngine.PromptDraw> draws = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) {
        draws.add(
            new GenerationEngine.PromptDraw(
                i + 100,
                prompts.get(i),
                words.encodePrompt(prompts.get(i)),
                i % 2,
                new long[] {31L * i, 31L * i + 1, 31L * i + 2}));
      }
      double[][][] weights = {
        {{1.5, -0.5}, {1.5, -0.5}, {0.5, 0.5}},
        {{1, 0}, {1, 0}, {1, 0}}
      };
      GenerationEngine.Round round =
          new GenerationEngine.Round(
              draws,
              weights,
              GenerationConfig.sampling(newTokens, 1.0, words.endOfSequence(), 9)
                  .suppressing(words.neverGenerated()));
      try (LanguageModel policy = lm.loadLanguageModel(policyDir);
          LanguageModel reference = lm.loadLanguageModel(referenceDir)) {
        List<GenerationEngine.Generated> expected =
            new LocalGeneration(lm, words, oracle).generate(policy, reference, round);
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        try (SparkGeneration spark =
            new SparkGeneration(
                SparkSessions.open("local[2]", out, "test", Map.of()),
                new GenerationEngineProvider.Setup(
                    "djl", new BackendConfig(1), oracleId, oracleOptions, 1, "local[2]", out))) {
          List<GenerationEngine.Generated> got = spark.generate(policy, reference, round);
          assertEquals(expected.size(), got.size());
          for (int i = 0; i < expected.size(); i++) {
            assertTrue(expected.get(i).sameAs(got.get(i)), "record " + i);
          }
          // The same models again: nothing new is broadcast; a round of one prompt, one partition.
          spark.generate(policy, reference, round);
          assertEquals(2, spark.liveBroadcasts());
          GenerationEngine.Round one =
              new GenerationEngine.Round(draws.subList(5, 6), weights, round.sampling());
          assertTrue(expected.get(5).sameAs(spark.generate(policy, reference, one).get(0)));
        }
      }
    }
  }

  @Test
  void alignOnTheSparkEngineGivesTheLocalResultsByteForByte() throws Exception {
    Path local = tmp.resolve("local");
    Path spark = tmp.resolve("spark");
    AlignExperiment.Result expected = AlignRuns.run(AlignExperiment.Engine.LOCAL, local);
    int workers = Workers.created();
    AlignExperiment.Result got =
        AlignRuns.run(
            new AlignExperiment.Engine("spark", "local[2]", AlignExperiment.Engine.GENERATION),
            spark);
    assertTrue(Workers.created() > workers, "local[2] runs its tasks in this JVM");
    assertEquals(expected.evaluations(), got.evaluations());
    assertEquals(AlignRuns.metrics(local), AlignRuns.metrics(spark));
    assertEquals(2, AlignRuns.metrics(spark).size(), "two samplers, one seed");
    String record = new String(got.record().toJson(), StandardCharsets.UTF_8);
    assertTrue(
        record
            .replaceAll("\\s", "")
            .contains(
                "\"engine\":{\"id\":\"spark\",\"master\":\"local[2]\",\"distribute\":\"generation\"}"),
        record);
    assertTrue(Files.readString(spark.resolve(SparkSessions.LOG_FILE)).contains("SparkContext"));
    assertEquals(0, Workers.count(), "the engine closed its workers (and their oracles)");
  }

  @Test
  void aMasterSparkCannotParseIsRefusedNamingTheOption() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () -> new SparkGenerationProvider().create(setup(tmp, "yarn-client")));
    assertEquals("master", e.violations().get(0).field());
    assertEquals(
        "master must be local, local[N], local[*] or spark://HOST:PORT, got 'yarn-client'",
        e.getMessage());
  }

  static GenerationEngineProvider.Setup setup(Path out, String master) {
    return new GenerationEngineProvider.Setup(
        "djl", new BackendConfig(1), "synthetic", Map.of(), 1, master, out);
  }
}
