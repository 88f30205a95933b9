package dpo.spark.align;

import dpo.api.backend.BackendConfig;
import dpo.api.lm.ModelConfig;
import dpo.api.oracle.LabelRule;
import dpo.core.DpoRuntime;
import dpo.core.align.AlignConfig;
import dpo.core.align.AlignExperiment;
import dpo.core.align.Prompt;
import dpo.datasets.synthetic.SyntheticTask;
import dpo.datasets.synthetic.SyntheticTasks;
import dpo.datasets.synthetic.WordTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A small {@code dpo align} on the synthetic task, as the command sets it up (a tiny GPT after
 * supervised fine-tuning as the reference, the synthetic oracle), for comparing engines.
 */
public final class AlignRuns {
  static final SyntheticTask TASK = SyntheticTasks.get("safe-helpful");
  static final int TRAIN = 32;
  static final int TEST = 16;

  private AlignRuns() {}

  /** The task's first prompts for training, the next for evaluation. */
  public static AlignExperiment.Inputs inputs() {
    return new AlignExperiment.Inputs() {
      @Override
      public String id() {
        return "task safe-helpful, " + TRAIN + " train, " + TEST + " test";
      }

      @Override
      public List<Prompt> train(long seed) {
        return Prompt.of(TASK.prompts(0, TRAIN, seed));
      }

      @Override
      public List<Prompt> test(long seed) {
        return Prompt.of(TASK.prompts(TRAIN, TEST, seed));
      }

      @Override
      public List<AlignExperiment.Demonstration> demonstrations(long seed) {
        return TASK.sftData(0, TRAIN, 4, 0.5, seed).stream()
            .map(d -> new AlignExperiment.Demonstration(d.prompt(), d.response()))
            .toList();
      }
    };
  }

  /**
   * Two iterations of K = 3 (two responses from a component's first distribution, one from its
   * second) with mix-p-on-policy (two components) and vanilla, one seed.
   *
   * @param engine where generation and scoring run
   * @return the settings
   */
  public static AlignExperiment.Config config(AlignExperiment.Engine engine) {
    return config(engine, 1, null, 0);
  }

  /**
   * The settings of {@link #config(AlignExperiment.Engine)} with more seeds, the paper protocol's
   * shared first iteration, or a stop.
   *
   * @param engine where generation and scoring, or whole runs, run
   * @param seeds how many seeds
   * @param sharedFirstIteration the sampler of the shared first iteration, or null
   * @param stopAfter stop every run after this iteration (0: never)
   * @return the settings
   */
  public static AlignExperiment.Config config(
      AlignExperiment.Engine engine, int seeds, String sharedFirstIteration, int stopAfter) {
    WordTokenizer tokenizer = new WordTokenizer(TASK.vocabulary());
    int newTokens = TASK.maxResponseWords() + 1;
    ModelConfig shape =
        new ModelConfig(
            tokenizer.vocabularySize(), 16, 1, 2, 1 + TASK.maxPromptWords() + newTokens);
    AlignConfig loop =
        new AlignConfig(
            2, 3, 1, 8, 3e-3, newTokens, 1.0, 1.0, 1, 1.0, 4, LabelRule.SOFT, 0, false, 1, 1);
    return new AlignExperiment.Config(
        List.of("mix-p-on-policy", "vanilla"),
        "sigmoid",
        0.5,
        "djl",
        new BackendConfig(1),
        "synthetic",
        Map.of("task", TASK.id()),
        seeds,
        1,
        loop,
        new AlignExperiment.Reference.Supervised(
            shape,
            40,
            3e-3,
            16,
            tokenizer,
            tokenizer.toHuggingFaceJson().getBytes(StandardCharsets.UTF_8)),
        stopAfter,
        null,
        engine,
        sharedFirstIteration,
        Map.of());
  }

  /**
   * Runs the experiment into a folder.
   *
   * @param engine the engine
   * @param out the folder
   * @return the result
   */
  public static AlignExperiment.Result run(AlignExperiment.Engine engine, Path out) {
    return run(config(engine), out);
  }

  /**
   * Runs the experiment into a folder.
   *
   * @param config the settings
   * @param out the folder
   * @return the result
   */
  public static AlignExperiment.Result run(AlignExperiment.Config config, Path out) {
    return run(
        config,
        out,
        new AlignExperiment.Progress() {
          @Override
          public void update(int iteration, String stage, long done, long total) {}
        });
  }

  /**
   * Runs the experiment into a folder, reporting its progress.
   *
   * @param config the settings
   * @param out the folder
   * @param progress receives the progress
   * @return the result
   */
  public static AlignExperiment.Result run(
      AlignExperiment.Config config, Path out, AlignExperiment.Progress progress) {
    return new AlignExperiment(DpoRuntime.builder().build()).run(config, inputs(), out, progress);
  }

  /**
   * How many generation workers this JVM has created, for telling where a run's generation ran.
   *
   * @return the count
   */
  public static int workersCreatedHere() {
    return Workers.created();
  }

  /**
   * Every {@code metrics.jsonl} under a folder's {@code runs/}, by path.
   *
   * @param out the experiment's folder
   * @return relative path to content
   */
  public static Map<String, String> metrics(Path out) {
    Map<String, String> all = new TreeMap<>();
    try (Stream<Path> files = Files.walk(out.resolve("runs"))) {
      for (Path f : files.filter(p -> p.endsWith("metrics.jsonl")).toList()) {
        all.put(out.relativize(f).toString(), Files.readString(f));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return all;
  }
}
