package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

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
    return rows;
  }

  @Test
  void printsOneJsonObjectPerVariant() throws Exception {
    List<JsonNode> rows = run("bench", "bandit", "--prompts", "4", "--responses", "33",
        "--pairs", "64", "--seconds", "0.05");
    List<String> names = rows.stream().map(r -> r.get("variant").asText()).toList();
    assertEquals(List.of("scalar-1-thread", "simd-1-thread", "simd-all-threads",
        "empirical-1-thread", "empirical-all-threads", "metrics-1-thread"), names);
    for (JsonNode r : rows.subList(0, 3)) {
      assertEquals(4, r.get("prompts").asInt());
      assertEquals(33, r.get("responses").asInt());
      double seconds = r.get("seconds_per_step").asDouble();
      assertTrue(seconds > 0);
      // Throughput is the X * Y * Y ordered pairs of a step over its time.
      assertEquals(4.0 * 33 * 33 / seconds, r.get("pair_evals_per_second").asDouble(), 1e-6 / seconds);
    }
    assertTrue(rows.get(3).get("pairs_per_second").asDouble() > 0);
    assertEquals(64, rows.get(3).get("pairs_per_prompt").asInt());
  }

  @Test
  void modeAndVariantsSelect() throws Exception {
    List<JsonNode> rows = run("bench", "bandit", "--prompts", "2", "--responses", "8",
        "--mode", "exact", "--variants", "simd-1-thread", "--seconds", "0.02");
    assertEquals(1, rows.size());
    assertEquals("simd", rows.get(0).get("kernel").asText());
  }

  @Test
  void unknownVariantIsAUsageError() {
    StringWriter err = new StringWriter();
    int code = Main.execute(new String[] {"bench", "bandit", "--variants", "gpu"},
        new PrintWriter(new StringWriter()), new PrintWriter(err));
    assertEquals(2, code);
    assertTrue(err.toString().contains("simd-all-threads"), err.toString());
  }
}
