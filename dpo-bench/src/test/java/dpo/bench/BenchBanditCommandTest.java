package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.api.backend.PolicyBackendProvider;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchBanditCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<JsonNode> run(String... args) throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(args, new PrintWriter(out), new PrintWriter(err));
    assertEquals(0, code, err.toString());
    List<JsonNode> rows = new ArrayList<>();
    for (String line : out.toString().split("\n")) {
      if (!line.isBlank()) {
        rows.add(JSON.readTree(line));
      }
    }
    // The last line is the provenance, in the form of run.json.
    JsonNode run = rows.remove(rows.size() - 1).get("run");
    assertEquals("bench bandit", run.get("command").asText());
    assertEquals(
        rows.isEmpty() ? null : rows.get(0).get("backend").asText(),
        rows.isEmpty() ? null : run.get("providers").get("backend").get("id").asText());
    assertTrue(run.get("config").has("seconds"), run.toString());
    assertTrue(run.get("environment").has("java_version"), run.toString());
    return rows;
  }

  @Test
  void printsOneJsonObjectPerVariant() throws Exception {
    List<JsonNode> rows =
        run(
            "bench",
            "bandit",
            "--prompts",
            "4",
            "--responses",
            "33",
            "--pairs",
            "64",
            "--seconds",
            "0.05");
    List<String> names = rows.stream().map(r -> r.get("variant").asText()).toList();
    assertEquals(
        List.of(
            "ceiling-1-thread",
            "ceiling-all-threads",
            "scalar-1-thread",
            "simd-1-thread",
            "simd-all-threads",
            "empirical-1-thread",
            "empirical-all-threads",
            "metrics-1-thread"),
        names);
    for (JsonNode r : rows.subList(0, 5)) {
      assertEquals(4, r.get("prompts").asInt());
      assertEquals(33, r.get("responses").asInt());
      double seconds = r.get("seconds_per_step").asDouble();
      assertTrue(seconds > 0);
      // A one-thread row also gives its thread's CPU time, which cannot exceed its wall time.
      if (r.get("threads").asInt() == 1) {
        double cpu = r.get("cpu_seconds_per_step").asDouble();
        assertTrue(cpu > 0 && cpu <= seconds * 1.05 + 1e-3, r.toString());
        // and the bytes its thread allocated per step (vectors the JIT failed to keep in
        // registers would show here)
        assertTrue(r.get("allocated_bytes_per_step").asDouble() >= 0, r.toString());
        assertFalse(r.has("all_threads_cpu_seconds_per_step"), r.toString());
      } else {
        assertTrue(r.get("cpu_seconds_per_step") == null, r.toString());
        // A row on several threads gives the CPU time of all threads together instead.
        assertTrue(r.get("all_threads_cpu_seconds_per_step").asDouble() > 0, r.toString());
      }
      // Throughput is the X * Y * Y ordered pairs of a step over its time.
      assertEquals(
          4.0 * 33 * 33 / seconds, r.get("pair_evals_per_second").asDouble(), 1e-6 / seconds);
    }
    // Each kernel row over the ceiling row of its thread count.
    for (JsonNode r : rows.subList(2, 5)) {
      JsonNode ceiling = rows.get(r.get("threads").asInt() == 1 ? 0 : 1);
      assertEquals(
          r.get("pair_evals_per_second").asDouble()
              / ceiling.get("pair_evals_per_second").asDouble(),
          r.get("ceiling_ratio").asDouble(),
          1e-9);
    }
    assertFalse(rows.get(0).has("ceiling_ratio"));
    assertTrue(rows.get(5).get("pairs_per_second").asDouble() > 0);
    assertEquals(64, rows.get(5).get("pairs_per_prompt").asInt());
  }

  @Test
  void theCeilingIsWrittenForDpoMixPAlone() throws Exception {
    List<JsonNode> rows =
        run(
            "bench",
            "bandit",
            "--prompts",
            "2",
            "--responses",
            "8",
            "--sampler",
            "dpo-mix-r",
            "--mode",
            "exact",
            "--seconds",
            "0.02");
    assertEquals(
        List.of("scalar-1-thread", "simd-1-thread", "simd-all-threads"),
        rows.stream().map(r -> r.get("variant").asText()).toList());
    assertFalse(rows.get(0).has("ceiling_ratio"));
  }

  @Test
  void modeAndVariantsSelect() throws Exception {
    List<JsonNode> rows =
        run(
            "bench",
            "bandit",
            "--prompts",
            "2",
            "--responses",
            "8",
            "--mode",
            "exact",
            "--variants",
            "simd-1-thread",
            "--seconds",
            "0.02");
    assertEquals(1, rows.size());
    assertEquals("simd", rows.get(0).get("kernel").asText());
  }

  @Test
  void allThreadsCpuCountsOnlyWhatLiveThreadsSpentDuringTheMeasurement() {
    // thread 1 ran on (3 -> 10), thread 2 retired with 500 ns of past work, thread 3 started
    long spent =
        BenchBanditCommand.cpuSince(
            java.util.Map.of(1L, 3L, 2L, 500L), java.util.Map.of(1L, 10L, 3L, 4L));
    assertEquals(11, spent);
  }

  @Test
  void unknownVariantIsAUsageError() {
    StringWriter err = new StringWriter();
    int code =
        Main.execute(
            new String[] {"bench", "bandit", "--variants", "gpu"},
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertEquals(2, code);
    assertTrue(err.toString().contains("simd-all-threads"), err.toString());
  }

  @Test
  void anotherBackendRunsItsOwnVariantsWithoutTheCpuKernelOption(@TempDir Path plugins)
      throws Exception {
    PluginLoader.services(
        plugins, PolicyBackendProvider.class, ExclusiveCpuBackendProvider.class.getName());
    List<JsonNode> rows =
        PluginLoader.with(
            () ->
                run(
                    "bench",
                    "bandit",
                    "--backend",
                    "exact-only",
                    "--prompts",
                    "2",
                    "--responses",
                    "8",
                    "--seconds",
                    "0.02"),
            plugins);
    // It has exact gradients only: no empirical variants, no kernels.
    assertEquals(
        List.of("exact-1-thread", "exact-all-threads", "metrics-1-thread"),
        rows.stream().map(r -> r.get("variant").asText()).toList());
    assertEquals("exact-only", rows.get(0).get("backend").asText());
    assertFalse(rows.get(0).has("kernel"));
  }

  @Test
  void aModeTheBackendLacksIsAUsageError(@TempDir Path plugins) throws Exception {
    PluginLoader.services(
        plugins, PolicyBackendProvider.class, ExclusiveCpuBackendProvider.class.getName());
    StringWriter err = new StringWriter();
    int code =
        PluginLoader.with(
            () ->
                Main.execute(
                    new String[] {
                      "bench", "bandit", "--backend", "exact-only", "--mode", "empirical"
                    },
                    new PrintWriter(new StringWriter()),
                    new PrintWriter(err)),
            plugins);
    assertEquals(2, code);
    assertTrue(
        err.toString().contains("--backend: backend 'exact-only' lacks SAMPLED_GRADIENT"),
        err.toString());
    assertTrue(err.toString().contains("[cpu"), err.toString());
  }

  @Test
  void unknownBackendListsTheAvailableOnes() {
    StringWriter err = new StringWriter();
    int code =
        Main.execute(
            new String[] {"bench", "bandit", "--backend", "tpu"},
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertEquals(2, code);
    assertTrue(
        err.toString().contains("--backend: unknown backend 'tpu'; available: cpu, djl"),
        err.toString());
  }
}
