package dpo.spark.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import dpo.core.align.AlignExperiment;
import dpo.core.align.GenerationEngineProvider;
import dpo.core.align.OnlineDpoLoop;
import dpo.core.align.RunDistributor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole runs as Spark tasks on {@code local[2]}: the results and every metrics.jsonl equal the
 * local engine's, after a stop and a resume, and with the paper protocol's shared first iteration.
 */
class SparkRunsTest {
  static final AlignExperiment.Engine RUNS =
      new AlignExperiment.Engine("spark", "local[2]", AlignExperiment.Engine.RUNS);

  @TempDir Path tmp;

  @Test
  void runsAsTasksEqualTheLocalRunsAndResumeFromTheirState() {
    Path local = tmp.resolve("local");
    Path spark = tmp.resolve("spark");
    AlignExperiment.Result expected =
        AlignRuns.run(AlignRuns.config(AlignExperiment.Engine.LOCAL, 1, null, 0), local);
    int workers = AlignRuns.workersCreatedHere();

    // Stopped after iteration 1 (as if killed), then resumed: each task continues its state.json.
    AlignExperiment.Result stopped = AlignRuns.run(AlignRuns.config(RUNS, 1, null, 1), spark);
    assertFalse(stopped.complete());
    Path run = AlignExperiment.runFolder(spark, "vanilla", 1);
    assertTrue(OnlineDpoLoop.finished(run, 1).isPresent());
    assertTrue(OnlineDpoLoop.finished(run, 2).isEmpty());
    AlignExperiment.Result got = AlignRuns.run(AlignRuns.config(RUNS, 1, null, 0), spark);

    assertTrue(got.complete());
    assertEquals(expected.evaluations(), got.evaluations());
    Map<String, String> metrics = AlignRuns.metrics(spark);
    assertEquals(AlignRuns.metrics(local), metrics);
    assertEquals(2, metrics.size(), "2 samplers, one task each");
    assertEquals(workers, AlignRuns.workersCreatedHere(), "no per-round generation workers");
    assertTrue(Files.isRegularFile(spark.resolve("spark.log")));

    // A rerun finds every run finished: nothing changes.
    assertEquals(
        expected.evaluations(),
        AlignRuns.run(AlignRuns.config(RUNS, 1, null, 0), spark).evaluations());
    assertEquals(metrics, AlignRuns.metrics(spark));
  }

  @Test
  void eachRunIsReportedOnTheDriverAsItsTaskEndsInTheLocalEnginesFormat() {
    Thread driver = Thread.currentThread();
    Recording local = new Recording();
    AlignRuns.run(
        AlignRuns.config(AlignExperiment.Engine.LOCAL, 1, null, 0), tmp.resolve("l"), local);
    Recording spark = new Recording();
    AlignRuns.run(AlignRuns.config(RUNS, 1, null, 0), tmp.resolve("s"), spark);

    // "SAMPLER seed S: reward A -> B", once per run, as the local engine reports it.
    assertEquals(2, local.lines.size(), local.lines.toString());
    assertEquals(new TreeSet<>(local.lines), new TreeSet<>(spark.lines));
    assertEquals(2, spark.lines.size(), spark.lines.toString());
    for (Thread t : spark.threads) {
      assertNotSame(driver, t, "reported by the job's listener as a task ended, not after the job");
    }
  }

  /** Records the finished-run lines and the threads that reported them. */
  static final class Recording implements AlignExperiment.Progress {
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    final List<Thread> threads = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void update(int iteration, String stage, long done, long total) {}

    @Override
    public void endRun(String summary) {
      lines.add(summary);
      threads.add(Thread.currentThread());
    }
  }

  @Test
  void aRunFolderTheTasksDidNotWriteIsReportedInOneLine() {
    // A distributor whose tasks write nowhere the driver sees, as on a cluster without shared
    // storage.
    Path out = tmp.resolve("unshared");
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () ->
                AlignRuns.run(
                    AlignRuns.config(
                        new AlignExperiment.Engine("nowhere", null, AlignExperiment.Engine.RUNS),
                        1,
                        null,
                        0),
                    out));
    assertEquals(
        AlignExperiment.runFolder(out.toAbsolutePath(), "mix-p-on-policy", 1)
            + " is missing or unfinished after the nowhere job; with a cluster master --out must"
            + " be a folder that the driver and every worker share (the same path on each), e.g."
            + " an NFS mount",
        e.getMessage());
  }

  /** Runs nothing. */
  public static final class Nowhere implements RunDistributor {
    @Override
    public String id() {
      return "nowhere";
    }

    @Override
    public void runAll(
        GenerationEngineProvider.Setup setup,
        AlignExperiment.Config config,
        AlignExperiment.Inputs inputs,
        Path out,
        Map<Long, Path> initials,
        BiConsumer<Long, String> finished) {}
  }

  @Test
  void everySamplerContinuesTheSharedFirstIterationAsLocally() {
    Path local = tmp.resolve("local");
    Path spark = tmp.resolve("spark");
    AlignExperiment.Result expected =
        AlignRuns.run(AlignRuns.config(AlignExperiment.Engine.LOCAL, 1, "on-policy", 0), local);
    AlignExperiment.Result got = AlignRuns.run(AlignRuns.config(RUNS, 1, "on-policy", 0), spark);
    assertEquals(expected.evaluations(), got.evaluations());
    assertEquals(AlignRuns.metrics(local), AlignRuns.metrics(spark));
    assertEquals(3, AlignRuns.metrics(spark).size(), "2 samplers and the shared iteration");
  }
}
