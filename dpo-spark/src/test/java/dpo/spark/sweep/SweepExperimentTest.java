package dpo.spark.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.backend.BackendConfig;
import dpo.api.backend.StepSize;
import dpo.core.DpoRuntime;
import dpo.core.bandit.BanditConfig;
import dpo.core.bandit.BanditExperiment;
import dpo.core.bandit.BanditResult;
import dpo.core.bandit.SamplerRun;
import dpo.core.provenance.RunRecord;
import dpo.spark.LocalStandaloneCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepExperimentTest {
  private static final int STEPS = 30;
  private static DpoRuntime runtime;
  private static BanditExperiment bandit;

  @TempDir Path tmp;

  @BeforeAll
  static void providers() {
    runtime = DpoRuntime.builder().build();
    bandit = new BanditExperiment(runtime.samplers(), runtime.objectives(), runtime.backends());
  }

  private Path grid(String json) throws Exception {
    Path file = tmp.resolve("grid.json");
    Files.writeString(file, json);
    return file;
  }

  private SweepGrid smallGrid() throws Exception {
    return SweepGrid.read(
        grid(
            "{\"samplers\": [\"dpo-unif\", \"dpo-mix-p\"], \"seed\": [1, 2],"
                + " \"lr\": [10, \"newton\"], \"steps\": ["
                + STEPS
                + "]}"),
        bandit::check);
  }

  private SweepExperiment.Result sweep(
      SweepGrid grid, Path out, String master, Map<String, String> settings) {
    return new SweepExperiment(runtime, Clock.systemUTC()).run(grid, out, master, 0, settings);
  }

  /**
   * What {@code dpo bandit --samplers dpo-unif,dpo-mix-p --seed SEED --lr LR --steps 30} computes:
   * the same study built by hand, both samplers in one run.
   */
  private static Map<String, SamplerRun> banditCommand(long seed, StepSize lr) {
    BanditConfig config =
        new BanditConfig(
            1,
            20,
            3,
            seed,
            List.of("dpo-unif", "dpo-mix-p"),
            BanditConfig.Mode.EXACT,
            STEPS,
            lr,
            8192,
            "sigmoid",
            null,
            BackendConfig.defaults());
    BanditResult result = bandit.run(config, BanditExperiment.Rewards.gaussian(1, 20, seed)).runs();
    return Map.of("dpo-unif", result.runs().get(0), "dpo-mix-p", result.runs().get(1));
  }

  private static void assertSameAsBandit(List<CellResult> cells) {
    for (CellResult cell : cells) {
      long seed = Long.parseLong(cell.options().get("seed"));
      String lr = cell.options().get("lr");
      SamplerRun expected =
          banditCommand(seed, lr.equals("newton") ? StepSize.newton() : StepSize.fixed(10))
              .get(cell.sampler());
      String what = cell.options().toString();
      assertArrayEquals(expected.paramDiff(), cell.paramDiff(), what);
      assertArrayEquals(expected.value(), cell.value(), what);
      assertArrayEquals(expected.valueDiff(), cell.valueDiff(), what);
    }
  }

  @Test
  void cellsEqualTheBanditCommandAndAreWrittenAsOneTable() throws Exception {
    SweepGrid grid = smallGrid();
    Path out = tmp.resolve("out");
    SweepExperiment.Result result = sweep(grid, out, "local[2]", Map.of());

    assertEquals(8, result.cells().size());
    assertEquals(8, result.computed());
    assertSameAsBandit(result.cells());
    // Cells in the grid's order: samplers, then seed, then lr (the last fastest).
    assertEquals(
        Map.of("samplers", "dpo-unif", "seed", "1", "lr", "newton", "steps", "30"),
        result.cells().get(1).options());

    List<String> csv = Files.readAllLines(out.resolve("results.csv"));
    assertEquals("sampler,seed,lr,steps,step,param_diff,value,value_diff", csv.get(0));
    assertEquals(1 + 8 * (STEPS + 1), csv.size());
    CellResult last = result.cells().get(7);
    assertEquals(
        "dpo-mix-p,2,newton,30,30,"
            + last.paramDiff()[STEPS]
            + ","
            + last.value()[STEPS]
            + ","
            + last.valueDiff()[STEPS],
        csv.get(csv.size() - 1));
    assertTrue(Files.size(out.resolve("results.parquet")) > 0);
    assertEquals(9, Files.readAllLines(out.resolve("summary.csv")).size());
    RunRecord record = RunRecord.readFrom(out);
    assertEquals("sweep", record.command());
    assertEquals(8, record.results().get("cells").size());
    assertEquals(grid.sha256(), record.inputs().get(0).sha256());
    assertTrue(Files.readString(out.resolve("spark.log")).contains("SparkContext"));
  }

  @Test
  void aRerunComputesOnlyTheMissingCells() throws Exception {
    SweepGrid grid = smallGrid();
    Path out = tmp.resolve("out");
    SweepExperiment.Result first = sweep(grid, out, "local[2]", Map.of());
    byte[] csv = Files.readAllBytes(out.resolve("results.csv"));
    Files.delete(out.resolve("spark.log"));

    SweepExperiment.Result again = sweep(grid, out, "local[2]", Map.of());
    assertEquals(0, again.computed());
    assertEquals(8, again.reused());
    assertFalse(Files.exists(out.resolve("spark.log")), "no Spark job when nothing is missing");
    assertArrayEquals(csv, Files.readAllBytes(out.resolve("results.csv")));

    Files.delete(out.resolve(SweepExperiment.CELLS).resolve(first.cells().get(3).id() + ".json"));
    SweepExperiment.Result third = sweep(grid, out, "local[2]", Map.of());
    assertEquals(1, third.computed());
    assertEquals(7, third.reused());
    assertArrayEquals(csv, Files.readAllBytes(out.resolve("results.csv")));
  }

  @Test
  void aStandaloneClusterOnLoopbackComputesWhatTheLocalPathComputes() throws Exception {
    SweepGrid grid = smallGrid();
    SweepExperiment.Result local = sweep(grid, tmp.resolve("local"), "local[2]", Map.of());
    try (LocalStandaloneCluster cluster = LocalStandaloneCluster.start(tmp.resolve("work"), 2)) {
      SweepExperiment.Result remote =
          sweep(grid, tmp.resolve("cluster"), cluster.masterUrl(), cluster.executorSettings());
      assertEquals(8, remote.computed());
      for (int i = 0; i < local.cells().size(); i++) {
        assertEquals(local.cells().get(i).options(), remote.cells().get(i).options());
        assertArrayEquals(local.cells().get(i).paramDiff(), remote.cells().get(i).paramDiff());
        assertArrayEquals(local.cells().get(i).value(), remote.cells().get(i).value());
        assertArrayEquals(local.cells().get(i).valueDiff(), remote.cells().get(i).valueDiff());
      }
      assertArrayEquals(
          Files.readAllBytes(tmp.resolve("local").resolve("results.csv")),
          Files.readAllBytes(tmp.resolve("cluster").resolve("results.csv")));
    }
  }
}
