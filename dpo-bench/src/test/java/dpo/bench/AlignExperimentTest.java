package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import dpo.api.backend.BackendConfig;
import dpo.api.lm.ModelConfig;
import dpo.api.oracle.LabelRule;
import dpo.core.DpoRuntime;
import dpo.core.align.AlignConfig;
import dpo.core.align.AlignExperiment;
import dpo.core.align.Evaluation;
import dpo.core.align.Prompt;
import dpo.core.provenance.RunRecord;
import dpo.datasets.synthetic.SyntheticTask;
import dpo.datasets.synthetic.SyntheticTasks;
import dpo.datasets.synthetic.WordTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The align experiment runs from Java, without the command line, and a rerun into the same folder
 * with anything changed that changes the numbers (oracle options, reference settings) is refused
 * instead of resuming someone else's numbers.
 */
class AlignExperimentTest {
  @TempDir Path out;

  private static final SyntheticTask TASK = SyntheticTasks.get("safe-helpful");

  private static AlignExperiment.Inputs inputs() {
    return inputs(TASK);
  }

  /** 12 train and 6 test prompts of a task, demonstrations of its corpus seed, as align does. */
  private static AlignExperiment.Inputs inputs(SyntheticTask task) {
    return new AlignExperiment.Inputs() {
      @Override
      public String id() {
        return "task " + task.id() + ", 12 train, 6 test";
      }

      @Override
      public List<Prompt> train(long seed) {
        return Prompt.of(task.prompts(0, 12, seed));
      }

      @Override
      public List<Prompt> test(long seed) {
        return Prompt.of(task.prompts(12, 6, seed));
      }

      @Override
      public List<AlignExperiment.Demonstration> demonstrations(long seed) {
        return task.sftData(0, 12, 4, 0.5, task.corpusSeed(seed)).stream()
            .map(d -> new AlignExperiment.Demonstration(d.prompt(), d.response()))
            .toList();
      }
    };
  }

  private static AlignExperiment.Config config(int sftSteps, Map<String, String> oracleOptions) {
    return config(TASK, List.of("on-policy"), 1, sftSteps, oracleOptions);
  }

  private static AlignExperiment.Config config(
      SyntheticTask task,
      List<String> samplers,
      int seeds,
      int sftSteps,
      Map<String, String> oracleOptions) {
    WordTokenizer tokenizer = new WordTokenizer(task.vocabulary());
    int newTokens = task.maxResponseWords() + 1;
    ModelConfig shape =
        new ModelConfig(
            tokenizer.vocabularySize(), 16, 1, 2, 1 + task.maxPromptWords() + newTokens);
    AlignConfig loop =
        new AlignConfig(
            1, 2, 1, 4, 3e-4, newTokens, 1.0, 1.0, 1, 1.0, 4, LabelRule.SOFT, 0, false, 1, 1);
    return new AlignExperiment.Config(
        samplers,
        "sigmoid",
        0.5,
        "djl",
        new BackendConfig(1),
        "synthetic",
        oracleOptions,
        seeds,
        1,
        loop,
        new AlignExperiment.Reference.Supervised(
            shape,
            sftSteps,
            3e-3,
            8,
            tokenizer,
            tokenizer.toHuggingFaceJson().getBytes(StandardCharsets.UTF_8)),
        0,
        null,
        AlignExperiment.Engine.LOCAL,
        null,
        Map.of());
  }

  @Test
  void runsFromJavaAndRefusesToResumeAnotherSetup() {
    AlignExperiment experiment = new AlignExperiment(DpoRuntime.builder().build());
    Map<String, String> task = Map.of("task", "safe-helpful");
    AlignExperiment.Result first =
        experiment.run(
            config(5, task),
            inputs(),
            out,
            new AlignExperiment.Progress() {
              @Override
              public void update(int iteration, String stage, long done, long total) {}
            });
    assertTrue(first.complete());
    List<Evaluation> evals = first.evaluations().get("on-policy").get(0);
    assertEquals(2, evals.size());
    assertEquals(0.5, evals.get(0).winRate(), 1e-12);
    assertEquals("djl", first.record().providers().backend().id());
    assertNotEquals(null, first.record().environment().device());

    // Provenance beside every checkpoint, read back.
    RunRecord checkpoint =
        RunRecord.readFrom(out.resolve("runs/on-policy/seed-1/checkpoints/iteration-1"));
    assertEquals("align", checkpoint.command());
    assertEquals("on-policy", checkpoint.config().get("samplers").get(0).asText());

    // The SFT reference is cached beside its provenance, keyed by its settings.
    List<Path> sft = list(out.resolve("sft"));
    assertEquals(1, sft.size());
    assertEquals(5, RunRecord.readFrom(sft.get(0)).config().get("steps").asInt());

    // Same setup: resumed, same numbers.
    AlignExperiment.Result again =
        experiment.run(
            config(5, task),
            inputs(),
            out,
            new AlignExperiment.Progress() {
              @Override
              public void update(int iteration, String stage, long done, long total) {}
            });
    assertEquals(first.evaluations(), again.evaluations());

    // Another reference, or another oracle option: refused, naming the output folder.
    ConfigurationException sftChanged =
        assertThrows(
            ConfigurationException.class,
            () -> experiment.run(config(6, task), inputs(), out, (i, s, d, t) -> {}));
    assertEquals("out", sftChanged.violations().get(0).field());
    assertTrue(
        sftChanged.getMessage().contains("holds a run with other settings"),
        sftChanged.getMessage());
    assertEquals(2, list(out.resolve("sft")).size(), "the SFT cache is keyed by its settings");
    ConfigurationException oracleChanged =
        assertThrows(
            ConfigurationException.class,
            () -> experiment.run(config(5, Map.of()), inputs(), out, (i, s, d, t) -> {}));
    assertEquals("out", oracleChanged.violations().get(0).field());
  }

  @Test
  void theOrderedTopicsTaskRunsWithOneCorpusForEverySeed() {
    SyntheticTask task = SyntheticTasks.get("ordered-topics");
    assertEquals(inputs(task).demonstrations(1), inputs(task).demonstrations(2));
    AlignExperiment.Result result =
        new AlignExperiment(DpoRuntime.builder().build())
            .run(
                config(task, List.of("vanilla", "on-policy"), 2, 3, Map.of("task", task.id())),
                inputs(task),
                out,
                new AlignExperiment.Progress() {
                  @Override
                  public void update(int iteration, String stage, long done, long total) {}
                });
    assertTrue(result.complete());
    for (List<List<Evaluation>> runs : result.evaluations().values()) {
      assertEquals(2, runs.size());
      for (List<Evaluation> run : runs) {
        assertEquals(2, run.size());
        for (Evaluation e : run) {
          assertTrue(e.reward() >= -0.8 && e.reward() <= 1, e.toString());
        }
      }
    }
    // Per seed the samplers start from one reference (the same iteration 0); the two seeds'
    // references are trained on the same corpus from different initialisations.
    List<List<Evaluation>> vanilla = result.evaluations().get("vanilla");
    List<List<Evaluation>> onPolicy = result.evaluations().get("on-policy");
    assertEquals(vanilla.get(0).get(0), onPolicy.get(0).get(0));
    assertEquals(vanilla.get(1).get(0), onPolicy.get(1).get(0));
    List<Path> sft = list(out.resolve("sft"));
    assertEquals(2, sft.size());
    assertNotEquals(
        dpo.core.provenance.Provenance.folderSha256(sft.get(0)),
        dpo.core.provenance.Provenance.folderSha256(sft.get(1)));
  }

  private static List<Path> list(Path dir) {
    try (var s = Files.list(dir)) {
      return s.sorted().toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
