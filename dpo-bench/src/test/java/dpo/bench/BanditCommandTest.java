package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.core.io.OutputFolder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives {@code dpo bandit} in-process through {@link Main#execute}, as a user would run it, and
 * checks its console output, its result files and its answers to bad input.
 */
class BanditCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> DEFAULT_SAMPLERS =
      List.of("dpo-unif", "dpo-mix-r", "dpo-mix-p");
  private static final Set<String> RESULT_FILES =
      Set.of("metrics.csv", "convergence.png", "convergence.svg", "run.json", OutputFolder.MARKER);
  private static final String CSV_HEADER = "sampler,step,param_diff,value,value_diff";

  @TempDir Path tmp;

  /** What one in-process run of the command line printed and returned. */
  private record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
    }
  }

  /** One row of metrics.csv. */
  private record Row(String sampler, int step, double paramDiff, double value, double valueDiff) {}

  private static Result dpo(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code;
    try (PrintWriter o = new PrintWriter(out);
        PrintWriter e = new PrintWriter(err)) {
      code = Main.execute(args, o, e);
    }
    return new Result(code, out.toString(), err.toString());
  }

  private static Result bandit(Path out, String... args) {
    List<String> all = new ArrayList<>(List.of("bandit", "--out", out.toString()));
    all.addAll(List.of(args));
    return dpo(all.toArray(String[]::new));
  }

  private static Result succeed(Path out, String... args) {
    Result r = bandit(out, args);
    assertEquals(0, r.exitCode(), r::toString);
    return r;
  }

  private static Set<String> names(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  private static List<Row> metrics(Path dir) throws IOException {
    List<String> lines = Files.readAllLines(dir.resolve("metrics.csv"), StandardCharsets.UTF_8);
    assertEquals(CSV_HEADER, lines.get(0));
    List<Row> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",", -1);
      assertEquals(5, f.length, line);
      rows.add(
          new Row(
              f[0],
              Integer.parseInt(f[1]),
              Double.parseDouble(f[2]),
              Double.parseDouble(f[3]),
              Double.parseDouble(f[4])));
    }
    return rows;
  }

  private static Map<String, List<Row>> bySampler(List<Row> rows) {
    Map<String, List<Row>> m = new LinkedHashMap<>();
    for (Row row : rows) {
      m.computeIfAbsent(row.sampler(), k -> new ArrayList<>()).add(row);
    }
    return m;
  }

  private static JsonNode runJson(Path dir) throws IOException {
    return JSON.readTree(dir.resolve("run.json").toFile());
  }

  private static double[][] rewards(JsonNode runJson) {
    JsonNode r = runJson.at("/results/rewards");
    double[][] table = new double[r.size()][];
    for (int x = 0; x < r.size(); x++) {
      table[x] = new double[r.get(x).size()];
      for (int y = 0; y < table[x].length; y++) {
        table[x][y] = r.get(x).get(y).doubleValue();
      }
    }
    return table;
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(tmp.resolve(name), content, StandardCharsets.UTF_8);
  }

  private static void assertClose(double expected, double actual, String what) {
    double tolerance = 1e-9 * Math.max(Math.abs(expected), Double.MIN_NORMAL);
    assertEquals(expected, actual, tolerance, what);
  }

  /**
   * The metrics of the uniform policy (every theta = 0, as at step 0), averaged over prompts,
   * straight from the definitions of docs/method.md §3: {param_diff, value, value_diff}.
   */
  private static double[] uniformPolicyMetrics(double[][] rewards, double beta) {
    double paramDiff = 0;
    double value = 0;
    double valueDiff = 0;
    for (double[] r : rewards) {
      int n = r.length;
      double pi = 1.0 / n;
      double[] d = new double[n];
      double v = 0;
      for (int y = 0; y < n; y++) {
        d[y] = r[y] - beta * Math.log(pi);
        v += pi * d[y];
      }
      double pd = 0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          pd += Math.abs(d[i] - d[j]);
        }
      }
      pd /= (double) n * n;
      double z = 0;
      for (double ry : r) {
        z += Math.exp(ry / beta);
      }
      double optimum = 0;
      for (double ry : r) {
        double star = Math.exp(ry / beta) / z;
        optimum += star * (ry - beta * Math.log(star));
      }
      paramDiff += pd;
      value += v;
      valueDiff += optimum - v;
    }
    int x = rewards.length;
    return new double[] {paramDiff / x, value / x, valueDiff / x};
  }

  private static void assertStepZeroIsUniform(Path dir, JsonNode run) throws IOException {
    double[] expected = uniformPolicyMetrics(rewards(run), run.at("/config/beta").doubleValue());
    for (Row row : metrics(dir)) {
      if (row.step() == 0) {
        assertClose(expected[0], row.paramDiff(), row.sampler() + " param_diff at step 0");
        assertClose(expected[1], row.value(), row.sampler() + " value at step 0");
        assertClose(expected[2], row.valueDiff(), row.sampler() + " value_diff at step 0");
      }
    }
  }

  /** The single line a rejected run printed, after checking the shared contract of exit 2. */
  private Result rejected(Path out, String... args) {
    Result r = bandit(out, args);
    assertAll(
        () -> assertEquals(2, r.exitCode(), r::toString),
        () -> assertEquals("", r.out(), "nothing on stdout\n" + r),
        () -> assertEquals(1, r.err().lines().count(), "a single line on stderr\n" + r),
        () -> assertFalse(r.err().contains("Exception"), "no exception names\n" + r),
        () -> assertFalse(r.err().contains("\tat "), "no stack trace\n" + r),
        () -> assertTrue(r.err().startsWith("dpo bandit: "), "names the command\n" + r),
        () -> assertFalse(Files.exists(out), "--out " + out + " must not be created\n" + r));
    return r;
  }

  private void assertRejected(String[] args, String... mentions) {
    Path out = tmp.resolve("out");
    Result r = rejected(out, args);
    for (String m : mentions) {
      assertTrue(r.err().contains(m), "stderr should mention '" + m + "'\n" + r);
    }
  }

  @Test
  void defaultRunWritesTableAndExactlyThreeFiles() throws IOException {
    Path out = tmp.resolve("run");
    Result r = succeed(out, "--steps", "20");

    List<String> lines = r.out().lines().toList();
    String header = lines.get(0);
    for (String column :
        List.of("sampler", "final param_diff", "steps to 1e-6", "steps to 1e-10", "order")) {
      assertTrue(header.contains(column), "header lacks '" + column + "': " + header);
    }
    for (String sampler : DEFAULT_SAMPLERS) {
      assertEquals(
          1,
          lines.stream().filter(l -> l.startsWith(sampler + " ")).count(),
          "one row for " + sampler + "\n" + r);
    }
    assertTrue(r.out().contains(out.resolve("run.json").toString()), r::toString);

    assertEquals(RESULT_FILES, names(out), "no other files, hidden temp files included");
    assertEquals(Set.of("run"), names(tmp), "no staging directory left beside --out");

    List<Row> rows = metrics(out);
    Map<String, List<Row>> runs = bySampler(rows);
    assertEquals(DEFAULT_SAMPLERS, List.copyOf(runs.keySet()));
    for (Map.Entry<String, List<Row>> run : runs.entrySet()) {
      int[] steps = run.getValue().stream().mapToInt(Row::step).toArray();
      assertArrayEquals(
          IntStream.rangeClosed(0, 20).toArray(), steps, run.getKey() + " steps 0..20");
      for (Row row : run.getValue()) {
        assertTrue(Double.isFinite(row.paramDiff()) && row.paramDiff() >= 0, row.toString());
        assertTrue(Double.isFinite(row.valueDiff()) && row.valueDiff() >= 0, row.toString());
      }
    }

    BufferedImage png = ImageIO.read(out.resolve("convergence.png").toFile());
    assertNotNull(png, "convergence.png decodes");
    assertTrue(png.getWidth() > 0 && png.getHeight() > 0);

    JsonNode run = runJson(out);
    assertEquals(3.0, run.at("/config/beta").doubleValue());
    assertEquals(1234567L, run.at("/config/seed").longValue());
    assertEquals(20, run.at("/config/steps").intValue());
    assertEquals(DEFAULT_SAMPLERS, strings(run.at("/config/samplers")));
    double[][] rewards = rewards(run);
    assertEquals(1, rewards.length);
    assertEquals(20, rewards[0].length);
    assertEquals("cpu", run.at("/providers/backend/id").asText());
    List<String> providerIds = new ArrayList<>();
    run.at("/providers/samplers").forEach(s -> providerIds.add(s.get("id").asText()));
    assertEquals(DEFAULT_SAMPLERS, providerIds);
    assertEquals(System.getProperty("java.version"), run.at("/environment/java_version").asText());
    assertTrue(
        run.at("/inputs/0/sha256").asText().matches("[0-9a-f]{64}"),
        run.at("/inputs/0/sha256").toString());
  }

  private static List<String> strings(JsonNode array) {
    assertTrue(array.isArray(), array.toString());
    List<String> s = new ArrayList<>();
    array.forEach(e -> s.add(e.asText()));
    return s;
  }

  @Test
  void stepZeroMetricsMatchTheDefinitionsForTheUniformPolicy() throws IOException {
    Path out = tmp.resolve("run");
    succeed(out, "--steps", "1", "--responses", "7", "--beta", "0.7", "--seed", "42");
    JsonNode run = runJson(out);
    assertEquals(7, rewards(run)[0].length);
    assertStepZeroIsUniform(out, run);
  }

  @Test
  void rewardsFileSetsShapeAndValues() throws IOException {
    double[][] table = {{0.1, -1.2, 3}, {0.5, 0.0, 0.2}};
    Path file = write("rewards.json", "[[0.1, -1.2, 3],\n [0.5, 0.0, 2e-1]]\n");
    Path out = tmp.resolve("run");
    succeed(out, "--rewards", file.toString(), "--steps", "5");

    JsonNode run = runJson(out);
    assertEquals(2, run.at("/config/prompts").intValue());
    assertEquals(3, run.at("/config/responses").intValue());
    double[][] written = rewards(run);
    assertEquals(table.length, written.length);
    for (int x = 0; x < table.length; x++) {
      assertArrayEquals(table[x], written[x], "prompt " + x);
    }
    Map<String, List<Row>> runs = bySampler(metrics(out));
    runs.values().forEach(rows -> assertEquals(6, rows.size()));
    // With two prompts every metric is the mean over prompts.
    assertStepZeroIsUniform(out, run);
  }

  @Test
  void rewardsFileAgreeingWithExplicitShapeIsAccepted() throws IOException {
    Path file = write("rewards.json", "[[1, 2, 3], [3, 2, 1]]");
    succeed(
        tmp.resolve("run"),
        "--rewards",
        file.toString(),
        "--prompts",
        "2",
        "--responses",
        "3",
        "--steps",
        "2");
  }

  @Test
  void negativeBetaIsRejected() {
    assertRejected(new String[] {"--beta", "-1"}, "--beta", "> 0");
  }

  @Test
  void nonNumericBetaIsRejected() {
    assertRejected(new String[] {"--beta", "abc"}, "--beta", "abc");
  }

  @Test
  void unknownSamplerIsRejectedWithTheAvailableIds() {
    assertRejected(
        new String[] {"--samplers", "dpo-unif,nope"},
        "--samplers",
        "'nope'",
        "dpo-mix-p",
        "dpo-unif");
  }

  @Test
  void unknownModeIsRejected() {
    assertRejected(new String[] {"--mode", "sideways"}, "--mode", "exact", "empirical");
  }

  @Test
  void zeroLearningRateIsRejected() {
    assertRejected(new String[] {"--lr", "0"}, "--lr", "newton");
  }

  @Test
  void nonNumericLearningRateIsRejected() {
    assertRejected(new String[] {"--lr", "fast"}, "--lr", "newton", "fast");
  }

  @Test
  void zeroStepsAreRejected() {
    assertRejected(new String[] {"--steps", "0"}, "--steps", ">= 1");
  }

  @Test
  void zeroPairsAreRejected() {
    assertRejected(new String[] {"--pairs", "0"}, "--pairs", ">= 1");
  }

  @Test
  void missingRewardsFileIsRejected() {
    Path missing = tmp.resolve("no-such-rewards.json");
    assertRejected(
        new String[] {"--rewards", missing.toString()},
        "--rewards",
        "no-such-rewards.json",
        "no such file");
  }

  @Test
  void raggedRewardsFileIsRejectedNamingLineAndPrompt() throws IOException {
    Path file = write("ragged.json", "[[1,2,3],\n[1,2]]\n");
    assertRejected(
        new String[] {"--rewards", file.toString()},
        "--rewards",
        "ragged.json:2",
        "prompt 1",
        "same number of responses");
  }

  @Test
  void rewardsFileConflictingWithPromptsIsRejected() throws IOException {
    Path file = write("rewards.json", "[[1, 2, 3], [3, 2, 1]]");
    assertRejected(
        new String[] {"--rewards", file.toString(), "--prompts", "5"},
        "--prompts",
        "5",
        "rewards.json",
        "2");
  }

  @Test
  void outPointingToRegularFileIsRejectedAndLeftAlone() throws IOException {
    Path file = write("taken", "keep me");
    Result r = bandit(file, "--steps", "2");
    assertEquals(2, r.exitCode(), r::toString);
    assertEquals(1, r.err().lines().count(), r::toString);
    assertTrue(r.err().contains("--out") && r.err().contains("not a directory"), r::toString);
    assertFalse(r.err().contains("\tat "), r::toString);
    assertEquals("keep me", Files.readString(file));
  }

  @Test
  void unknownOptionIsRejected() {
    assertRejected(new String[] {"--bogus"}, "--bogus", "--help");
  }

  @Test
  void unknownObjectiveIsRejected() {
    assertRejected(new String[] {"--objective", "nope"}, "--objective", "'nope'", "sigmoid");
  }

  @Test
  void unknownBackendIsRejected() {
    assertRejected(new String[] {"--backend", "nope"}, "--backend", "'nope'", "cpu");
  }

  @Test
  void topLevelHelp() {
    Result r = dpo("--help");
    assertEquals(0, r.exitCode(), r::toString);
    assertTrue(r.out().contains("bandit"), r::toString);
    assertEquals("", r.err());
  }

  @Test
  void banditHelpListsEveryOption() {
    Result r = dpo("bandit", "--help");
    assertEquals(0, r.exitCode(), r::toString);
    for (String option :
        List.of(
            "--prompts",
            "--responses",
            "--beta",
            "--seed",
            "--rewards",
            "--samplers",
            "--mode",
            "--steps",
            "--lr",
            "--pairs",
            "--out")) {
      assertTrue(r.out().contains(option), "help lacks " + option + "\n" + r);
    }
    assertEquals("", r.err());
  }

  @Test
  void empiricalModeReducesParamDiffForEverySampler() throws IOException {
    Path out = tmp.resolve("run");
    succeed(
        out,
        "--mode",
        "empirical",
        "--steps",
        "50",
        "--lr",
        "0.05",
        "--pairs",
        "512",
        "--responses",
        "8");
    Map<String, List<Row>> runs = bySampler(metrics(out));
    assertEquals(DEFAULT_SAMPLERS, List.copyOf(runs.keySet()));
    for (Map.Entry<String, List<Row>> run : runs.entrySet()) {
      List<Row> rows = run.getValue();
      assertEquals(51, rows.size());
      double first = rows.get(0).paramDiff();
      double last = rows.get(50).paramDiff();
      assertTrue(last < first, run.getKey() + ": param_diff " + first + " -> " + last);
    }
    assertEquals("empirical", runJson(out).at("/config/mode").asText());
  }

  @Test
  void newtonStepMakesMixPConvergeBelow1e10() throws IOException {
    Path out = tmp.resolve("run");
    succeed(out, "--lr", "newton", "--steps", "8", "--samplers", "dpo-mix-p");
    List<Row> rows = metrics(out);
    assertEquals(9, rows.size());
    Row last = rows.get(rows.size() - 1);
    assertEquals(8, last.step());
    assertTrue(last.paramDiff() < 1e-10, last.toString());
  }

  @Test
  void existingEmptyOutDirectoryIsFilled() throws IOException {
    Path out = Files.createDirectory(tmp.resolve("empty"));
    succeed(out, "--steps", "5");
    assertEquals(RESULT_FILES, names(out));
  }

  @Test
  void runsAreReproducibleFromTheSeed() throws IOException {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    succeed(a, "--steps", "5", "--seed", "7");
    succeed(b, "--steps", "5", "--seed", "7");
    assertEquals(
        Files.readString(a.resolve("metrics.csv")), Files.readString(b.resolve("metrics.csv")));
    assertEquals(runJson(a).at("/inputs/0/sha256"), runJson(b).at("/inputs/0/sha256"));
    assertFalse(Arrays.deepEquals(rewards(runJson(a)), new double[1][20]));
  }
}
