package dpo.spark.align;

import dpo.api.DpoException;
import dpo.core.align.AlignExperiment;
import dpo.core.align.GenerationEngineProvider;
import dpo.core.align.RunDistributor;
import dpo.spark.SparkSessions;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;

/**
 * Whole runs of {@code dpo align --engine spark --distribute runs}: one Spark task per unfinished
 * (seed, sampler) run, all in one job. The driver has made each seed's initial model (and the paper
 * protocol's shared first iteration); their files are broadcast once per seed, and each task writes
 * them into its executor's scratch folder, loads the model from there and runs the local path's
 * code ({@link AlignExperiment#runOne}), generation and scoring included, into its run folder under
 * the output folder: durable atomic writes, resumable from its state.json. The output folder must
 * therefore be on storage that the driver and every worker share under the same path (the driver
 * checks afterwards that every run folder is finished).
 */
public final class SparkRuns implements RunDistributor {
  /** Creates the distributor; nothing starts until {@link #runAll}. */
  public SparkRuns() {}

  @Override
  public String id() {
    return SparkGeneration.ID;
  }

  @Override
  public void runAll(
      GenerationEngineProvider.Setup setup,
      AlignExperiment.Config config,
      AlignExperiment.Inputs inputs,
      Path out,
      Map<Long, Path> initials,
      BiConsumer<Long, String> finished) {
    List<RunKey> todo = new ArrayList<>();
    Set<Long> seeds = new LinkedHashSet<>();
    for (long seed : initials.keySet()) {
      for (String sampler : config.samplers()) {
        if (AlignExperiment.finishedRun(config, out, sampler, seed).isEmpty()) {
          todo.add(new RunKey(seed, sampler));
          seeds.add(seed);
        }
      }
    }
    if (todo.isEmpty()) {
      return;
    }
    String master = SparkGenerationProvider.master(setup.master());
    ConfigForm form = ConfigForm.of(config, WorkerSetup.of(setup));
    InputsSnapshot data = InputsSnapshot.of(inputs, seeds);
    String outText = out.toString();
    try (JavaSparkContext spark =
        SparkSessions.open(master, setup.logDirectory(), "dpo align (runs)", Map.of())) {
      HashMap<Long, Broadcast<CheckpointBytes>> models = new HashMap<>();
      for (long seed : seeds) {
        models.put(seed, spark.broadcast(CheckpointBytes.ofFolder(initials.get(seed))));
      }
      // Task i runs todo[i] (one element per partition); the driver hears of each as it ends.
      spark.sc().addSparkListener(new Finished(todo, finished));
      spark
          .parallelize(todo, todo.size())
          .foreach(run -> run.execute(form, data, outText, models.get(run.seed()).value()));
    } catch (Exception e) { // SparkException is checked, but Scala does not declare it
      throw taskFailure(e);
    }
  }

  /**
   * The project's own exception (a bad setting, a diverged run, ...) that failed a task, as the
   * task threw it, so that the command reports it in one line; else the job's failure.
   */
  static RuntimeException taskFailure(Exception failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof DpoException own) {
        return own;
      }
    }
    return failure instanceof RuntimeException r
        ? r
        : new IllegalStateException(
            "the Spark job of the runs failed: " + failure.getMessage(), failure);
  }

  /**
   * Reports each run whose task ended successfully, on the driver's listener thread. Closing the
   * context delivers the events still queued, so every run is reported before {@link #runAll}
   * returns.
   */
  private static final class Finished extends SparkListener {
    private final List<RunKey> todo;
    private final BiConsumer<Long, String> finished;

    Finished(List<RunKey> todo, BiConsumer<Long, String> finished) {
      this.todo = todo;
      this.finished = finished;
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
      TaskInfo task = end.taskInfo();
      if (task.successful() && task.index() < todo.size()) {
        RunKey run = todo.get(task.index());
        finished.accept(run.seed(), run.sampler());
      }
    }
  }

  /** One run: a seed and a sampler. */
  record RunKey(long seed, String sampler) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Runs it on this executor. */
    void execute(ConfigForm form, InputsSnapshot data, String out, CheckpointBytes initial) {
      Path copy = initial.materialise(Path.of(SparkFiles.getRootDirectory(), "dpo-initial"));
      new AlignExperiment(Workers.runtime())
          .runOne(
              form.config(),
              data,
              Path.of(out),
              seed,
              sampler,
              copy,
              (iteration, stage, done, total) -> {});
    }
  }
}
