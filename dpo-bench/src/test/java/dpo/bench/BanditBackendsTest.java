package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpo bandit --backend djl} reproduces {@code --backend cpu}: the same metrics.csv rows,
 * every value within 1e-6 relative. Param Diff and Value Diff fall to the rounding noise of their
 * terms near the optimum (about 1e-15 of their starting value), where no two implementations agree
 * in relative terms; entries below 1e-12 of the sampler's starting value are compared absolutely.
 */
class BanditBackendsTest {
  private static final double TOLERANCE = 1e-6;
  private static final double NOISE = 1e-12;
  private static final String ALL_SAMPLERS =
      "dpo-unif,dpo-mix-r,dpo-mix-p,dpo-mix-p-star,on-policy,vanilla,hybrid,mix-p,half-mix-r,"
          + "half-mix-p";

  @TempDir Path tmp;

  private Path run(String backend, String... args) {
    Path out = tmp.resolve(backend + "-" + Math.abs(String.join(" ", args).hashCode()));
    List<String> all =
        new ArrayList<>(
            List.of("bandit", "--out", out.toString(), "--backend", backend, "--threads", "1"));
    all.addAll(List.of(args));
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    int code =
        Main.execute(all.toArray(String[]::new), new PrintWriter(stdout), new PrintWriter(stderr));
    assertEquals(0, code, stdout + "\n" + stderr);
    return out;
  }

  private static List<String[]> rows(Path dir) throws IOException {
    List<String> lines = Files.readAllLines(dir.resolve("metrics.csv"), StandardCharsets.UTF_8);
    List<String[]> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      rows.add(line.split(",", -1));
    }
    return rows;
  }

  private void assertSameMetrics(String... args) throws IOException {
    List<String[]> cpu = rows(run("cpu", args));
    List<String[]> djl = rows(run("djl", args));
    assertEquals(cpu.size(), djl.size());
    Map<String, double[]> start = new HashMap<>();
    for (int i = 0; i < cpu.size(); i++) {
      String[] e = cpu.get(i);
      String[] a = djl.get(i);
      assertEquals(e[0] + "," + e[1], a[0] + "," + a[1], "sampler and step of row " + i);
      if (e[1].equals("0")) {
        start.put(e[0], new double[] {0, Double.parseDouble(e[2]), 0, Double.parseDouble(e[4])});
      }
      for (int c = 2; c <= 4; c++) {
        double expected = Double.parseDouble(e[c]);
        double actual = Double.parseDouble(a[c]);
        double diff = Math.abs(expected - actual);
        double scale = Math.max(Math.abs(expected), Math.abs(actual));
        double floor = NOISE * start.get(e[0])[c - 1];
        assertTrue(
            diff <= floor || diff <= TOLERANCE * scale,
            String.join(",", e) + " (cpu) vs " + String.join(",", a) + " (djl), column " + c);
      }
    }
  }

  @Test
  void thePapersFigureIsReproducedOnTheDjlBackend() throws IOException {
    assertSameMetrics("--steps", "40");
  }

  @Test
  void newtonStepsOfEverySamplerAreReproducedOnTheDjlBackend() throws IOException {
    assertSameMetrics(
        "--lr", "newton", "--steps", "12", "--prompts", "3", "--samplers", ALL_SAMPLERS);
  }

  @Test
  void otherObjectivesAreReproducedOnTheDjlBackend() throws IOException {
    assertSameMetrics(
        "--objective", "ipo", "--lr", "1", "--steps", "10", "--samplers", ALL_SAMPLERS);
    assertSameMetrics(
        "--objective", "hinge", "--lr", "1", "--steps", "10", "--samplers", ALL_SAMPLERS);
  }

  @Test
  void theDjlBackendRunsSampledStudiesAndIsRecordedInRunJson() throws IOException {
    Path out =
        run(
            "djl",
            "--mode",
            "empirical",
            "--steps",
            "5",
            "--lr",
            "0.05",
            "--pairs",
            "256",
            "--samplers",
            "dpo-mix-p-star,on-policy");
    assertEquals(
        "djl",
        new ObjectMapper()
            .readTree(out.resolve("run.json").toFile())
            .at("/providers/backend/id")
            .asText());
    List<String[]> rows = rows(out);
    assertEquals(2 * 6, rows.size());
    for (String[] row : rows) {
      for (int c = 2; c <= 4; c++) {
        assertTrue(Double.isFinite(Double.parseDouble(row[c])), String.join(",", row));
      }
    }
  }
}
