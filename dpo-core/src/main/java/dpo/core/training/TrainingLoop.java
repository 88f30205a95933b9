package dpo.core.training;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dpo.api.BadDataException;
import dpo.api.ConfigurationException;
import dpo.api.io.DurableFiles;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LanguageModels;
import dpo.api.lm.LmTrainer;
import dpo.api.lm.TrainerConfig;
import dpo.core.align.AlignProgress;
import dpo.core.provenance.RunRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The training loop of a language model on a fixed dataset, the same for next-token training and
 * offline DPO: each step trains on one batch of example indices, drawn without replacement from a
 * seeded permutation per epoch; held-out metrics every N steps; one JSON line of metrics per step
 * and per evaluation in {@code metrics.jsonl}; checkpoints every N steps.
 *
 * <p><b>Checkpoints and resume.</b> {@code checkpoints/step-N/} is a complete Hugging Face
 * checkpoint folder (model, tokenizer files, {@code run.json}) plus the optimizer's state ({@value
 * #OPTIMIZER}) and {@value #STATE} (the step and the run's fingerprint), published whole. A run
 * started into a folder that holds checkpoints of the same fingerprint continues from the last one:
 * the batch order depends only on the seed and the step, the parameters and the optimizer's moments
 * are restored bit for bit, and {@code metrics.jsonl} is cut back to that step, so the result
 * equals that of an uninterrupted run. Checkpoints of another fingerprint are refused.
 */
public final class TrainingLoop {
  /** The folder of checkpoints inside the output folder. */
  public static final String CHECKPOINTS = "checkpoints";

  /** The metrics file: one JSON object per line, {@code step} and {@code epoch} first. */
  public static final String METRICS = "metrics.jsonl";

  /** The optimizer's state in a checkpoint. */
  public static final String OPTIMIZER = "optimizer.safetensors";

  /** The step and fingerprint of a checkpoint. */
  public static final String STATE = "trainer_state.json";

  private static final String PREFIX = "step-";
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  /** What is trained: the examples, one step on a batch of them, and held-out metrics. */
  public interface Task {
    /**
     * Number of training examples.
     *
     * @return the count, >= 1
     */
    int examples();

    /**
     * One optimizer step on a batch of examples.
     *
     * @param model the model being trained
     * @param trainer its optimizer
     * @param batch indices of the examples, in [0, {@link #examples()})
     * @return the step's metrics by name, e.g. {@code loss}, {@code grad_norm}
     */
    Map<String, Double> train(LanguageModel model, LmTrainer trainer, int[] batch);

    /**
     * Metrics on the held-out examples, without an update; the loop prefixes each name with {@code
     * eval_}.
     *
     * @param model the model being trained
     * @param trainer its optimizer
     * @return the metrics, empty when there is no held-out data
     */
    Map<String, Double> evaluate(LanguageModel model, LmTrainer trainer);
  }

  /**
   * What a run did.
   *
   * @param steps the steps done, resumed ones included
   * @param totalSteps the steps of the whole run
   * @param resumedFrom the checkpoint's step this run continued from (0: from the start)
   * @param metrics every line of {@code metrics.jsonl}
   */
  public record Outcome(
      int steps, int totalSteps, int resumedFrom, List<Map<String, Object>> metrics) {
    /**
     * Whether every step is done (false if stopped early).
     *
     * @return true when complete
     */
    public boolean complete() {
      return steps == totalSteps;
    }

    /**
     * The last line holding a metric.
     *
     * @param name the metric, e.g. {@code eval_loss}
     * @return its last value, or NaN if none
     */
    public double last(String name) {
      for (int i = metrics.size() - 1; i >= 0; i--) {
        Object v = metrics.get(i).get(name);
        if (v instanceof Number n) {
          return n.doubleValue();
        }
      }
      return Double.NaN;
    }
  }

  private TrainingLoop() {}

  /**
   * Trains (or resumes) into an output folder, and at the end saves the model there.
   *
   * @param lm the backend's language models
   * @param initial the model to start from when there is no checkpoint (the loop closes it)
   * @param settings how long and how to train
   * @param task what is trained
   * @param fingerprint everything that changes the run's numbers (settings, data, initial model),
   *     as a string; checkpoints of another fingerprint are refused
   * @param out the output folder, claimed by the caller
   * @param record the run's provenance, written into every checkpoint (null for none)
   * @param stopAfter stop after this step as if killed (0: never; tests resume)
   * @param progress progress reports (iteration 1, stage {@code train} or {@code evaluate})
   * @return what was done
   */
  public static Outcome run(
      LanguageModels lm,
      Supplier<LanguageModel> initial,
      TrainingSettings settings,
      Task task,
      String fingerprint,
      Path out,
      RunRecord record,
      int stopAfter,
      AlignProgress progress) {
    int examples = task.examples();
    int total = settings.totalSteps(examples);
    TrainerConfig optimizer = settings.trainerConfig(total);
    Path checkpoints = out.resolve(CHECKPOINTS);
    int resumed = lastCheckpoint(checkpoints, fingerprint, out);
    List<Map<String, Object>> metrics = new ArrayList<>();
    if (resumed > 0) {
      metrics.addAll(readMetrics(out.resolve(METRICS), resumed));
    }
    writeMetrics(out.resolve(METRICS), metrics);
    int last = stopAfter > 0 ? Math.min(stopAfter, total) : total;
    int done = resumed;
    try (LanguageModel model =
            resumed > 0 ? lm.loadLanguageModel(checkpoint(out, resumed)) : initial.get();
        LmTrainer trainer = lm.newTrainer(model, optimizer)) {
      if (resumed > 0) {
        trainer.loadState(checkpoint(out, resumed).resolve(OPTIMIZER));
      }
      BatchOrder order = new BatchOrder(settings, examples);
      for (int step = resumed + 1; step <= last; step++) {
        Map<String, Double> m = task.train(model, trainer, order.batch(step - 1));
        append(out, metrics, row(step, order.epoch(step), m, ""));
        progress.update(1, "train", step, total);
        boolean end = step == total;
        if (end || (settings.evalEvery() > 0 && step % settings.evalEvery() == 0)) {
          progress.update(1, "evaluate", step, total);
          Map<String, Double> e = task.evaluate(model, trainer);
          if (!e.isEmpty()) {
            append(out, metrics, row(step, order.epoch(step), e, "eval_"));
          }
        }
        if (end || (settings.checkpointEvery() > 0 && step % settings.checkpointEvery() == 0)) {
          saveCheckpoint(out, step, fingerprint, model, trainer, record);
        }
        done = step;
      }
      if (done == total) {
        model.save(out);
        writeMetrics(out.resolve(METRICS), metrics);
      }
    }
    return new Outcome(done, total, resumed, metrics);
  }

  /**
   * A checkpoint's folder.
   *
   * @param out the output folder
   * @param step the step
   * @return {@code out/checkpoints/step-N}
   */
  public static Path checkpoint(Path out, int step) {
    return out.resolve(CHECKPOINTS).resolve(PREFIX + step);
  }

  /** The seeded order of the examples: a fresh permutation per epoch, cut into batches. */
  static final class BatchOrder {
    private final TrainingSettings settings;
    private final int examples;
    private final int perEpoch;
    private int epoch = -1;
    private int[] permutation;

    BatchOrder(TrainingSettings settings, int examples) {
      this.settings = settings;
      this.examples = examples;
      this.perEpoch = settings.stepsPerEpoch(examples);
    }

    /** The example indices of a step (0-based). */
    int[] batch(int step) {
      int e = step / perEpoch;
      if (e != epoch) {
        epoch = e;
        permutation = permutation(examples, settings.seed(), e);
      }
      int from = (step % perEpoch) * settings.batchSize();
      return Arrays.copyOfRange(permutation, from, Math.min(examples, from + settings.batchSize()));
    }

    /** The epochs done after a step (1-based), as a fraction. */
    double epoch(int step) {
      return (double) step / perEpoch;
    }

    static int[] permutation(int n, long seed, int epoch) {
      SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
      int[] order = new int[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      for (int i = n - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      return order;
    }
  }

  private static Map<String, Object> row(
      int step, double epoch, Map<String, Double> values, String prefix) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("step", step);
    row.put("epoch", epoch);
    values.forEach((k, v) -> row.put(prefix + k, v));
    return row;
  }

  /** The step of the last checkpoint of this fingerprint (0: none); another one is refused. */
  private static int lastCheckpoint(Path checkpoints, String fingerprint, Path out) {
    if (!Files.isDirectory(checkpoints)) {
      return 0;
    }
    DurableFiles.removeLeftovers(checkpoints);
    int last = 0;
    try (Stream<Path> dirs = Files.list(checkpoints)) {
      for (Path dir : dirs.filter(Files::isDirectory).toList()) {
        String name = dir.getFileName().toString();
        Path state = dir.resolve(STATE);
        if (!name.startsWith(PREFIX) || !Files.isRegularFile(state)) {
          continue;
        }
        Map<String, Object> s = readState(state);
        if (!fingerprint.equals(s.get("fingerprint"))) {
          throw new ConfigurationException(
              "out",
              out
                  + " holds checkpoints of a run with other settings, data or starting model ("
                  + dir.getFileName()
                  + "); resume with the same options, or choose a new folder");
        }
        last = Math.max(last, ((Number) s.get("step")).intValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + checkpoints + " (" + e.getMessage() + ")", e);
    }
    return last;
  }

  private static Map<String, Object> readState(Path state) {
    try {
      Map<String, Object> s = JSON.readValue(state.toFile(), new TypeReference<>() {});
      if (!(s.get("step") instanceof Number) || !(s.get("fingerprint") instanceof String)) {
        throw new BadDataException(state, 0, null, "needs a \"step\" and a \"fingerprint\"");
      }
      return s;
    } catch (IOException e) {
      throw new BadDataException(
          state, 0, null, "not a trainer state: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  private static void saveCheckpoint(
      Path out,
      int step,
      String fingerprint,
      LanguageModel model,
      LmTrainer trainer,
      RunRecord record) {
    Path target = checkpoint(out, step);
    if (Files.exists(target)) {
      return; // written by the run this one resumes (same fingerprint, same step)
    }
    Path staging = DurableFiles.stagingFolder(target);
    model.save(staging);
    trainer.saveState(staging.resolve(OPTIMIZER));
    if (record != null) {
      record.writeTo(staging);
    }
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("step", step);
    state.put("fingerprint", fingerprint);
    try {
      DurableFiles.write(staging.resolve(STATE), JSON.writeValueAsBytes(state));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    DurableFiles.publishFolder(staging, target);
  }

  /**
   * Adds a line to the live metrics file, to follow a run while it trains. Appending is not atomic:
   * a kill may cut the last line, which resume drops ({@link #readMetrics}); the whole file is
   * rewritten durably at resume and at the end.
   */
  private static void append(Path out, List<Map<String, Object>> metrics, Map<String, Object> row) {
    metrics.add(row);
    try {
      Files.writeString(
          out.resolve(METRICS),
          JSON.writeValueAsString(row) + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write " + out.resolve(METRICS) + " (" + e.getMessage() + ")", e);
    }
  }

  private static void writeMetrics(Path file, List<Map<String, Object>> metrics) {
    StringBuilder text = new StringBuilder();
    try {
      for (Map<String, Object> row : metrics) {
        text.append(JSON.writeValueAsString(row)).append('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    DurableFiles.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The lines of a metrics file up to a step.
   *
   * @param file the file (missing: none)
   * @param upTo the last step kept
   * @return the lines, in order
   */
  public static List<Map<String, Object>> readMetrics(Path file, int upTo) {
    List<Map<String, Object>> rows = new ArrayList<>();
    if (!Files.isRegularFile(file)) {
      return rows;
    }
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        Map<String, Object> row;
        try {
          row = JSON.readValue(line, new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (IOException e) {
          // A line cut by a kill after the last checkpoint: that step is redone.
          continue;
        }
        if (row.get("step") instanceof Number n && n.intValue() <= upTo) {
          rows.add(row);
        }
      }
    } catch (IOException e) {
      throw new BadDataException(file, 0, null, "cannot read: " + e.getMessage());
    }
    return rows;
  }
}
