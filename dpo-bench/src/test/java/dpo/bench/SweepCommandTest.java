package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives {@code dpo sweep} in-process on an embedded Spark and compares every row with what {@code
 * dpo bandit} writes for the same options.
 */
class SweepCommandTest {
  @TempDir Path tmp;

  private static String run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(args, new PrintWriter(out), new PrintWriter(err));
    assertEquals(0, code, err.toString());
    return out.toString();
  }

  @Test
  void everyRowIsWhatDpoBanditWritesForTheSameOptions() throws Exception {
    Path grid = tmp.resolve("grid.json");
    Files.writeString(
        grid,
        "{\"samplers\": [\"dpo-unif\", \"dpo-mix-r\"], \"lr\": [\"newton\", 5],"
            + " \"prompts\": [2], \"steps\": [12]}");
    String printed =
        run(
            "sweep",
            "--grid",
            grid.toString(),
            "--out",
            tmp.resolve("sweep").toString(),
            "--master",
            "local[2]");
    assertTrue(printed.contains("dpo-mix-r lr=newton"), printed);
    assertTrue(printed.contains("4 cells: 4 computed on local[2], 0 already in"), printed);
    List<String> sweep = Files.readAllLines(tmp.resolve("sweep").resolve("results.csv"));
    assertEquals("sampler,lr,prompts,steps,step,param_diff,value,value_diff", sweep.get(0));

    for (String lr : List.of("newton", "5")) {
      Path out = tmp.resolve("bandit-" + lr);
      run(
          "bandit",
          "--samplers",
          "dpo-unif,dpo-mix-r",
          "--lr",
          lr,
          "--prompts",
          "2",
          "--steps",
          "12",
          "--out",
          out.toString());
      // metrics.csv: sampler,step,param_diff,value,value_diff
      for (String row : Files.readAllLines(out.resolve("metrics.csv")).subList(1, 27)) {
        String[] f = row.split(",", 2);
        String expected = f[0] + "," + lr + ",2,12," + f[1];
        assertTrue(sweep.contains(expected), "missing from results.csv: " + expected);
      }
    }
    assertEquals(1 + 4 * 13, sweep.size());

    String again =
        run("sweep", "--grid", grid.toString(), "--out", tmp.resolve("sweep").toString());
    assertTrue(again.contains("4 cells: 0 computed on local[*], 4 already in"), again);
  }

  @Test
  void theDeviceKeyReachesTheBackendAsDpoBanditsDeviceOptionDoes() throws Exception {
    Path grid = tmp.resolve("grid.json");
    Files.writeString(
        grid,
        "{\"samplers\": [\"dpo-mix-p\"], \"backend\": [\"djl\"], \"device\": [\"cpu\"],"
            + " \"prompts\": [2], \"steps\": [6]}");
    run("sweep", "--grid", grid.toString(), "--out", tmp.resolve("sweep").toString());
    List<String> sweep = Files.readAllLines(tmp.resolve("sweep").resolve("results.csv"));
    assertEquals(
        "sampler,backend,device,prompts,steps,step,param_diff,value,value_diff", sweep.get(0));

    Path out = tmp.resolve("bandit");
    run(
        "bandit",
        "--samplers",
        "dpo-mix-p",
        "--backend",
        "djl",
        "--device",
        "cpu",
        "--prompts",
        "2",
        "--steps",
        "6",
        "--out",
        out.toString());
    List<String> bandit = Files.readAllLines(out.resolve("metrics.csv"));
    assertEquals(bandit.size(), sweep.size());
    for (String row : bandit.subList(1, bandit.size())) {
      String[] f = row.split(",", 2);
      assertTrue(sweep.contains(f[0] + ",djl,cpu,2,6," + f[1]), "missing from results.csv: " + row);
    }

    // An unknown device is refused with the grid's file and key before any task starts.
    Files.writeString(grid, "{\"samplers\": [\"dpo-mix-p\"], \"device\": [\"tpu\"]}");
    String err = refusedInOneLine(grid, tmp.resolve("bad"));
    assertTrue(err.contains("device"), err);
    assertTrue(err.contains("must be auto, cpu or gpu, got 'tpu'"), err);

    // A device the backend cannot compute on is refused the same way, before any task starts.
    Files.writeString(
        grid, "{\"samplers\": [\"dpo-mix-p\"], \"backend\": [\"cpu\"], \"device\": [\"gpu\"]}");
    err = refusedInOneLine(grid, tmp.resolve("bad2"));
    assertTrue(
        err.contains("value 'gpu': device 'gpu': backend cpu computes on the CPU only"), err);
  }

  /**
   * Runs {@code dpo sweep} on a grid it must refuse: exit 2, one line naming the grid file.
   *
   * @return what it printed on stderr
   */
  private static String refusedInOneLine(Path grid, Path out) {
    StringWriter err = new StringWriter();
    int code =
        Main.execute(
            new String[] {"sweep", "--grid", grid.toString(), "--out", out.toString()},
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertEquals(2, code, err.toString());
    assertTrue(err.toString().contains(grid.getFileName().toString()), err.toString());
    assertEquals(1, err.toString().strip().lines().count(), err.toString());
    return err.toString();
  }
}
