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
}
