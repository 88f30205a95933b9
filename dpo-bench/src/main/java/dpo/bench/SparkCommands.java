package dpo.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.api.ConfigurationException;
import dpo.api.io.DurableFiles;
import dpo.core.DpoRuntime;
import dpo.core.bandit.BanditExperiment;
import dpo.core.bandit.BanditReport;
import dpo.core.io.OutputFolder;
import dpo.core.provenance.RunRecord;
import dpo.spark.sweep.CellResult;
import dpo.spark.sweep.SweepCell;
import dpo.spark.sweep.SweepExperiment;
import dpo.spark.sweep.SweepGrid;
import dpo.spark.sweep.SweepJobs;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The code of the commands that run on Spark, apart from their option fields: the only place in the
 * command line that names {@code dpo.spark} types. Loaded only when such a command runs, with Spark
 * on the class path (the launcher adds it for these commands).
 */
final class SparkCommands {
  private SparkCommands() {}

  /**
   * Fails with the fix when Spark is not on the class path (the command was started without the
   * launcher).
   */
  static void requireSpark(String command) {
    try {
      Class.forName("org.apache.spark.SparkContext", false, SparkCommands.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new ConfigurationException(
          "class path",
          "'dpo "
              + command
              + "' needs Apache Spark on the class path; run it with the ./dpo launcher, which"
              + " adds dpo-spark/target/dpo-spark.jar and dpo-spark/target/lib/*");
    }
  }

  /** A master Spark understands here: local, local[N], local[*] or spark://HOST:PORT. */
  static void checkMaster(String option, String master) {
    if (!master.matches("local(\\[(\\*|[1-9][0-9]*)])?|spark://[^\\s/]+:[0-9]+")) {
      throw new ConfigurationException(
          "master",
          option + " must be local, local[N], local[*] or spark://HOST:PORT, got '" + master + "'");
    }
  }

  /** {@code dpo sweep}. */
  static void sweep(
      DpoRuntime runtime,
      Clock clock,
      Path gridFile,
      Path out,
      String master,
      int partitions,
      PrintWriter stdout) {
    BanditExperiment bandit =
        new BanditExperiment(runtime.samplers(), runtime.objectives(), runtime.backends());
    SweepGrid grid = SweepGrid.read(gridFile, bandit::checkWithBackend);
    SweepExperiment.Result result;
    try (OutputFolder folder = OutputFolder.claim(out, "out")) {
      result =
          new SweepExperiment(runtime, clock)
              .run(grid, folder.path(), master, partitions, Map.of());
    }
    stdout.print(BanditReport.table(SweepExperiment.labelled(grid, result.cells())));
    stdout.println();
    stdout.println(
        result.cells().size()
            + " cells: "
            + result.computed()
            + " computed on "
            + master
            + ", "
            + result.reused()
            + " already in "
            + out.resolve(SweepExperiment.CELLS));
    stdout.println(
        "wrote "
            + out.resolve("results.parquet")
            + ", "
            + out.resolve("results.csv")
            + ", "
            + out.resolve("summary.csv")
            + ", "
            + out.resolve("run.json")
            + " (Spark's log: "
            + out.resolve("spark.log")
            + ")");
    stdout.flush();
  }

  /** {@code dpo bench sweep}. */
  static void benchSweep(
      DpoRuntime runtime,
      CommandSpec spec,
      Path gridFile,
      Path out,
      int repeats,
      PrintWriter stdout)
      throws IOException {
    Instant started = Instant.now();
    Path dir = out != null ? out : Files.createTempDirectory("dpo-bench-sweep");
    Files.createDirectories(dir);
    Path file = gridFile;
    if (file == null) {
      file = dir.resolve("grid.json");
      DurableFiles.write(file, BenchSweepCommand.DEFAULT_GRID.getBytes(StandardCharsets.UTF_8));
    }
    BanditExperiment bandit =
        new BanditExperiment(runtime.samplers(), runtime.objectives(), runtime.backends());
    SweepGrid grid = SweepGrid.read(file, bandit::checkWithBackend);
    List<SweepCell> cells = grid.cells();
    // Warm-up: every cell once, so that the JIT has compiled the kernels before anything is timed
    // (on a loaded machine its compiler threads take seconds); the reference run is a second pass.
    SweepJobs.runHere(cells, r -> {});

    List<CellResult> reference = new ArrayList<>();
    long t0 = System.nanoTime();
    SweepJobs.runHere(cells, reference::add);
    double before = (System.nanoTime() - t0) / 1e9;
    double local1 = SweepJobs.timed("local[1]", dir, cells, reference, repeats);
    double local2 = SweepJobs.timed("local[2]", dir, cells, reference, repeats);
    // In this JVM without Spark: before the Spark variants and after them; the fastest counts.
    double inJvm = before;
    for (int i = 0; i < repeats; i++) {
      t0 = System.nanoTime();
      SweepJobs.runHere(cells, r -> {});
      inJvm = Math.min(inJvm, (System.nanoTime() - t0) / 1e9);
    }
    stdout.println(JSON.writeValueAsString(row("in-jvm", cells.size(), inJvm)));
    Map<String, Object> one = row("local[1]", cells.size(), local1);
    one.put("overhead_ms_per_task", (local1 - inJvm) * 1e3 / cells.size());
    stdout.println(JSON.writeValueAsString(one));
    Map<String, Object> two = row("local[2]", cells.size(), local2);
    two.put("speedup_over_local[1]", local1 / local2);
    stdout.println(JSON.writeValueAsString(two));

    CellResult first = reference.get(0);
    stdout.println(
        BenchCommand.provenanceLine(
            RunRecord.start(
                    "bench sweep",
                    started,
                    OptionValues.of(spec),
                    new RunRecord.Providers(
                        RunRecord.ProviderInfo.of(runtime.backends().get(first.backend())),
                        null,
                        null,
                        grid.values().get("samplers").stream()
                            .map(id -> RunRecord.ProviderInfo.of(runtime.samplers().get(id)))
                            .toList()),
                    new RunRecord.Device(first.device(), first.engine(), first.engineVersion()),
                    List.of(new RunRecord.Input("grid", file.toString(), grid.sha256())))
                .finish(Instant.now(), null)));
    stdout.flush();
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private static Map<String, Object> row(String variant, int cells, double seconds) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("variant", variant);
    row.put("cells", cells);
    row.put("seconds", seconds);
    row.put("cells_per_second", cells / seconds);
    return row;
  }
}
