package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.ModelConfig;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.oracle.LabelRule;
import dpo.api.oracle.OracleConfig;
import dpo.api.oracle.RewardOracle;
import dpo.api.sampler.Sampler;
import dpo.core.DpoRuntime;
import dpo.core.align.AlignConfig;
import dpo.core.align.AlignProgress;
import dpo.core.align.Evaluation;
import dpo.core.align.GenerationEngine;
import dpo.core.align.LocalGeneration;
import dpo.core.align.OnlineDpoLoop;
import dpo.core.align.Prompt;
import dpo.datasets.synthetic.SyntheticTask;
import dpo.datasets.synthetic.SyntheticTasks;
import dpo.datasets.synthetic.WordTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The online DPO loop on a tiny language model of the djl backend and the synthetic task. */
class OnlineDpoLoopTest {
  static final DpoRuntime RUNTIME = DpoRuntime.builder().build();
  static final SyntheticTask TASK = SyntheticTasks.get("safe-helpful");
  static final WordTokenizer TOKENIZER = new WordTokenizer(TASK.vocabulary());
  static final List<Prompt> TRAIN = Prompt.of(TASK.prompts(0, 24, 3));
  static final List<Prompt> TEST = Prompt.of(TASK.prompts(24, 12, 3));
  static final int NEW_TOKENS = 10;
  static PolicyBackend backend;
  static RewardOracle oracle;
  static LanguageModel initial;

  @TempDir Path tmp;

  @BeforeAll
  static void setUp() {
    backend = RUNTIME.backends().get("djl").create(new BackendConfig(1));
    oracle = RUNTIME.oracles().get("synthetic").create(OracleConfig.of(Map.of()));
    initial =
        backend
            .languageModels()
            .orElseThrow()
            .newLanguageModel(
                new ModelConfig(
                    TOKENIZER.vocabularySize(), 32, 2, 2, 1 + TASK.maxPromptWords() + NEW_TOKENS),
                11);
  }

  @AfterAll
  static void tearDown() {
    initial.close();
    oracle.close();
    backend.close();
  }

  static AlignConfig config(int resyncEvery, boolean updateReference) {
    return new AlignConfig(
        2,
        3,
        1,
        8,
        5e-3,
        NEW_TOKENS,
        1.0,
        1.0,
        2,
        1.0,
        4,
        LabelRule.SOFT,
        resyncEvery,
        updateReference,
        5,
        1);
  }

  static OnlineDpoLoop loop(String sampler, AlignConfig config, AlignProgress progress) {
    Sampler s = RUNTIME.samplers().get(sampler).create();
    Objective dpo = RUNTIME.objectives().get("sigmoid").create(ObjectiveConfig.ofBeta(0.1));
    return new OnlineDpoLoop(
        backend.languageModels().orElseThrow(), TOKENIZER, oracle, s, dpo, config, progress);
  }

  /** Thrown by a progress callback to kill a run mid-iteration. */
  static final class Killed extends RuntimeException {}

  @Test
  void aRunKilledMidIterationResumesToTheSameResults() throws IOException {
    AlignConfig config = config(0, true);
    Path whole = tmp.resolve("whole");
    List<Evaluation> expected =
        loop("mix-p", config, AlignProgress.NONE)
            .run(initial, null, TRAIN, TEST, whole, Integer.MAX_VALUE, "", null);
    assertEquals(3, expected.size(), "iterations 0, 1 and 2");

    Path killed = tmp.resolve("killed");
    AlignProgress killer =
        (it, stage, done, total) -> {
          if (it == 2 && stage.equals("train") && done == 2) {
            throw new Killed();
          }
        };
    assertThrows(
        Killed.class,
        () ->
            loop("mix-p", config, killer)
                .run(initial, null, TRAIN, TEST, killed, Integer.MAX_VALUE, "", null));
    assertTrue(Files.isDirectory(killed.resolve("checkpoints/iteration-1")));
    assertTrue(Files.notExists(killed.resolve("checkpoints/iteration-2")));
    List<Evaluation> resumed =
        loop("mix-p", config, AlignProgress.NONE)
            .run(initial, null, TRAIN, TEST, killed, Integer.MAX_VALUE, "", null);
    assertEquals(expected, resumed);
    assertArrayEquals(
        Files.readAllBytes(whole.resolve("metrics.jsonl")),
        Files.readAllBytes(killed.resolve("metrics.jsonl")));
  }

  @Test
  void aFinishedRunIsNotRepeatedAndOtherSettingsAreRefused() {
    Path dir = tmp.resolve("run");
    List<Evaluation> first =
        loop("vanilla", config(0, false), AlignProgress.NONE)
            .run(initial, null, TRAIN, TEST, dir, Integer.MAX_VALUE, "", null);
    int[] steps = {0};
    AlignProgress counter = (it, stage, done, total) -> steps[0] += stage.equals("train") ? 1 : 0;
    assertEquals(
        first,
        loop("vanilla", config(0, false), counter)
            .run(initial, null, TRAIN, TEST, dir, Integer.MAX_VALUE, "", null));
    assertEquals(0, steps[0], "nothing is retrained");
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () ->
                loop("on-policy", config(0, false), AlignProgress.NONE)
                    .run(initial, null, TRAIN, TEST, dir, Integer.MAX_VALUE, "", null));
    assertTrue(e.getMessage().contains("other settings"), e.getMessage());
  }

  @Test
  void samplersAgreeWhileThePolicyIsTheReferenceAndDivergeAfterwards() {
    List<Evaluation> vanilla =
        loop("vanilla", config(0, false), AlignProgress.NONE)
            .run(initial, null, TRAIN, TEST, tmp.resolve("v"), Integer.MAX_VALUE, "", null);
    List<Evaluation> onPolicy =
        loop("on-policy", config(0, false), AlignProgress.NONE)
            .run(initial, null, TRAIN, TEST, tmp.resolve("o"), Integer.MAX_VALUE, "", null);
    assertEquals(vanilla.get(0), onPolicy.get(0));
    assertEquals(vanilla.get(1), onPolicy.get(1), "iteration 1 samples pi = pi_ref either way");
    assertNotEquals(vanilla.get(2), onPolicy.get(2));
    assertEquals(0.5, vanilla.get(0).winRate());
    assertEquals(0.0, vanilla.get(0).kl(), 1e-9);
    assertTrue(vanilla.get(1).kl() > 0, "DPO moved the policy: " + vanilla.get(1));
  }

  @Test
  void resyncEveryStepRegeneratesBeforeEachStep() throws IOException {
    Path dir = tmp.resolve("online");
    loop("on-policy", config(1, false), AlignProgress.NONE)
        .run(initial, null, TRAIN, TEST, dir, 1, "", null);
    List<String> lines = Files.readAllLines(dir.resolve("metrics.jsonl"));
    long generations = lines.stream().filter(l -> l.contains("\"type\":\"generation\"")).count();
    long steps = lines.stream().filter(l -> l.contains("\"type\":\"train\"")).count();
    assertEquals(TRAIN.size() / 8, generations, "one round of 8 prompts per step");
    assertEquals(generations, steps);
    assertTrue(lines.get(lines.size() - 1).contains("\"type\":\"eval\""));
    for (String field :
        List.of(
            "rewards/chosen",
            "rewards/rejected",
            "rewards/margins",
            "rewards/accuracies",
            "logps/chosen",
            "logps/rejected",
            "loss")) {
      assertTrue(lines.get(2).contains("\"" + field + "\""), field + " in " + lines.get(2));
    }
  }

  /**
   * A generation engine that splits each round's prompts into parts of 1, 2, 3, ... prompts, draws
   * the parts last to first with the local engine, reassembles them and keeps every record.
   */
  static final class Partitioned implements GenerationEngine {
    final GenerationEngine local;
    final boolean split;
    final List<GenerationEngine.Generated> records = new ArrayList<>();

    Partitioned(boolean split) {
      this.local = new LocalGeneration(backend.languageModels().orElseThrow(), TOKENIZER, oracle);
      this.split = split;
    }

    @Override
    public String id() {
      return "partitioned";
    }

    @Override
    public List<GenerationEngine.Generated> generate(
        LanguageModel generator, LanguageModel reference, GenerationEngine.Round round) {
      List<GenerationEngine.PromptDraw> all = round.prompts();
      List<GenerationEngine.Generated> out;
      if (!split) {
        out = local.generate(generator, reference, round);
      } else {
        List<List<GenerationEngine.PromptDraw>> parts = new ArrayList<>();
        for (int from = 0, size = 1; from < all.size(); from += size, size++) {
          parts.add(all.subList(from, Math.min(all.size(), from + size)));
        }
        List<List<GenerationEngine.Generated>> drawn = new ArrayList<>();
        for (int p = parts.size() - 1; p >= 0; p--) {
          drawn.add(
              0,
              local.generate(
                  generator,
                  reference,
                  new GenerationEngine.Round(parts.get(p), round.weights(), round.sampling())));
        }
        out = drawn.stream().flatMap(List::stream).toList();
      }
      records.addAll(out);
      return out;
    }
  }

  @Test
  void recordsAndResultsDoNotDependOnHowARoundsPromptsAreSplit() throws IOException {
    // mix-p-on-policy draws from two components; K = 3 responses, two slots from the first
    // distribution and
    // one from the second: every draw is seeded per prompt, so any partition gives the same
    // records.
    Sampler s = RUNTIME.samplers().get("mix-p-on-policy").create();
    Objective dpo = RUNTIME.objectives().get("sigmoid").create(ObjectiveConfig.ofBeta(0.1));
    Partitioned whole = new Partitioned(false);
    Partitioned parts = new Partitioned(true);
    Path a = tmp.resolve("whole");
    Path b = tmp.resolve("parts");
    java.util.function.BiFunction<GenerationEngine, Path, List<Evaluation>> run =
        (engine, dir) ->
            new OnlineDpoLoop(
                    backend.languageModels().orElseThrow(),
                    TOKENIZER,
                    oracle,
                    engine,
                    s,
                    dpo,
                    config(0, false),
                    null,
                    AlignProgress.NONE)
                .run(initial, null, TRAIN, TEST, dir, Integer.MAX_VALUE, "", null);
    List<Evaluation> expected = run.apply(whole, a);
    List<Evaluation> split = run.apply(parts, b);
    assertEquals(expected, split);
    assertArrayEquals(
        Files.readAllBytes(a.resolve("metrics.jsonl")),
        Files.readAllBytes(b.resolve("metrics.jsonl")));
    assertEquals(2 * TRAIN.size(), whole.records.size(), "one record per prompt and iteration");
    assertEquals(whole.records.size(), parts.records.size());
    java.util.Set<Integer> components = new java.util.HashSet<>();
    for (int i = 0; i < whole.records.size(); i++) {
      GenerationEngine.Generated g = whole.records.get(i);
      assertTrue(g.sameAs(parts.records.get(i)), "record " + i);
      assertEquals(3, g.record().rewards().size());
      assertEquals(TRAIN.get(g.index()).text(), g.record().prompt().text());
      components.add(g.component());
    }
    assertEquals(
        java.util.Set.of(0, 1), components, "both components of mix-p-on-policy are drawn");
  }

  /**
   * Each prompt relabelled: its oracle text a label, its model text the prompt; {@code modelTexts}
   * maps the labels back.
   */
  static List<Prompt> relabelled(
      List<Prompt> prompts, String name, Map<String, String> modelTexts) {
    List<Prompt> out = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      String label = "the oracle's " + name + " prompt " + i;
      modelTexts.put(label, prompts.get(i).text());
      out.add(new Prompt(label, prompts.get(i).text()));
    }
    return out;
  }

  /** The synthetic oracle behind relabelled prompts: it must be given the oracle's texts. */
  static final class Relabelling implements RewardOracle {
    final Map<String, String> modelTexts;
    final RewardOracle scorer;

    Relabelling(Map<String, String> modelTexts, RewardOracle scorer) {
      this.modelTexts = modelTexts;
      this.scorer = scorer;
    }

    @Override
    public double[] score(List<String> prompts, List<String> responses) {
      List<String> back = new ArrayList<>();
      for (String p : prompts) {
        String m = modelTexts.get(p);
        if (m == null) {
          throw new AssertionError("the oracle was given '" + p + "', not a prompt's oracle text");
        }
        back.add(m);
      }
      return scorer.score(back, responses);
    }

    @Override
    public void close() {}
  }

  @Test
  void theModelsReadEachPromptsModelTextAndTheOracleItsText() throws IOException {
    // A conversation reaches the models and the oracle as two texts. Relabelled prompts whose
    // oracle translates the labels back give the plain prompts' run exactly: the models drew from
    // the model texts, the oracle scored the labels.
    Map<String, String> modelTexts = new java.util.HashMap<>();
    List<Prompt> train = relabelled(TRAIN, "train", modelTexts);
    List<Prompt> test = relabelled(TEST, "test", modelTexts);
    AlignConfig config = config(0, true);
    List<Evaluation> plain =
        loop("mix-p", config, AlignProgress.NONE)
            .run(initial, null, TRAIN, TEST, tmp.resolve("plain"), Integer.MAX_VALUE, "", null);
    java.util.function.Supplier<OnlineDpoLoop> relabelledLoop =
        () ->
            new OnlineDpoLoop(
                backend.languageModels().orElseThrow(),
                TOKENIZER,
                new Relabelling(modelTexts, oracle),
                RUNTIME.samplers().get("mix-p").create(),
                RUNTIME.objectives().get("sigmoid").create(ObjectiveConfig.ofBeta(0.1)),
                config,
                AlignProgress.NONE);
    Path dir = tmp.resolve("relabelled");
    List<Evaluation> two =
        relabelledLoop.get().run(initial, null, train, test, dir, Integer.MAX_VALUE, "", null);
    assertEquals(plain, two);
    assertTrue(
        Files.readString(dir.resolve("metrics.jsonl")).contains("\"type\":\"train\""),
        "the run trained");
    // The plain run's folder is not resumed by the relabelled prompts: they are other prompts.
    ConfigurationException other =
        assertThrows(
            ConfigurationException.class,
            () ->
                relabelledLoop
                    .get()
                    .run(initial, null, train, test, tmp.resolve("plain"), 1, "", null));
    assertTrue(other.getMessage().contains("holds a run with other settings"), other.getMessage());
  }

  @Test
  void offlineRunsDrawFromTheInitialModelEveryIteration() throws IOException {
    // With a fixed reference and every response from the initial model, on-policy and vanilla
    // are the same sampler.
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    loop("on-policy", config(-1, false), AlignProgress.NONE)
        .run(initial, null, TRAIN, TEST, a, Integer.MAX_VALUE, "", null);
    loop("vanilla", config(-1, false), AlignProgress.NONE)
        .run(initial, null, TRAIN, TEST, b, Integer.MAX_VALUE, "", null);
    assertArrayEquals(
        Files.readAllBytes(a.resolve("metrics.jsonl")),
        Files.readAllBytes(b.resolve("metrics.jsonl")));
  }

  @Test
  void samplersThatNeedRewardsAreRefused() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () -> loop("dpo-mix-r", config(0, false), AlignProgress.NONE));
    assertEquals("samplers", e.violations().get(0).field());
  }
}
