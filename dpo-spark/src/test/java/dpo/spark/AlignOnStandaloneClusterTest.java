package dpo.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.core.align.AlignExperiment;
import dpo.spark.align.AlignRuns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code align --engine spark} through a real standalone Master and Worker on 127.0.0.1: the
 * generation runs in the Worker's executor JVM, and every result equals the local engine's.
 */
class AlignOnStandaloneClusterTest {
  @TempDir Path tmp;

  @Test
  void alignThroughAStandaloneClusterEqualsTheLocalRun() throws Exception {
    Path local = tmp.resolve("local");
    Path spark = tmp.resolve("spark");
    AlignExperiment.Result expected = AlignRuns.run(AlignExperiment.Engine.LOCAL, local);
    try (LocalStandaloneCluster cluster = LocalStandaloneCluster.start(tmp.resolve("work"), 1)) {
      // The engine opens its own context, as the command does; the test cluster's executors get
      // this test's class path through spark.* system properties, which SparkConf reads.
      Map<String, String> settings = cluster.executorSettings();
      settings.forEach(System::setProperty);
      AlignExperiment.Result got;
      int workers = AlignRuns.workersCreatedHere();
      try {
        got =
            AlignRuns.run(
                new AlignExperiment.Engine(
                    "spark", cluster.masterUrl(), AlignExperiment.Engine.GENERATION),
                spark);
      } finally {
        settings.keySet().forEach(System::clearProperty);
      }
      assertEquals(
          workers,
          AlignRuns.workersCreatedHere(),
          "generation and scoring ran in the Worker's executor, not in this JVM");
      assertEquals(expected.evaluations(), got.evaluations());
      assertEquals(AlignRuns.metrics(local), AlignRuns.metrics(spark));
      assertTrue(
          Files.readString(spark.resolve(SparkSessions.LOG_FILE)).contains(cluster.masterUrl()),
          "the driver connected to the cluster");

      // Whole runs as tasks of the Worker's executor, which writes the run folders.
      Path runs = tmp.resolve("runs");
      settings.forEach(System::setProperty);
      try {
        got =
            AlignRuns.run(
                new AlignExperiment.Engine(
                    "spark", cluster.masterUrl(), AlignExperiment.Engine.RUNS),
                runs);
      } finally {
        settings.keySet().forEach(System::clearProperty);
      }
      assertEquals(workers, AlignRuns.workersCreatedHere());
      assertEquals(expected.evaluations(), got.evaluations());
      assertEquals(AlignRuns.metrics(local), AlignRuns.metrics(runs));
    }
  }
}
