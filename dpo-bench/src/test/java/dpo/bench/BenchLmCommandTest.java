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

class BenchLmCommandTest {

  @Test
  void printsOneJsonObjectPerMeasurement() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.execute(
            new String[] {
              "bench",
              "lm",
              "--seconds",
              "0.05",
              "--batch",
              "2",
              "--prompt-len",
              "3",
              "--new-tokens",
              "4",
              "--layers",
              "1",
              "--width",
              "16",
              "--heads",
              "2",
              "--vocab",
              "16",
              "--top-k",
              "5",
              "--top-p",
              "0.9",
              "--device",
              "cpu"
            },
            new PrintWriter(out),
            new PrintWriter(err));
    assertEquals(0, code, err.toString());
    List<String> names = new ArrayList<>();
    List<String> lines = new ArrayList<>(List.of(out.toString().strip().split("\n")));
    JsonNode run = new ObjectMapper().readTree(lines.remove(lines.size() - 1)).get("run");
    assertEquals("bench lm", run.get("command").asText());
    assertEquals("cpu", run.get("environment").get("device").get("name").asText(), run.toString());
    assertEquals("cpu", run.get("config").get("device").asText());
    assertEquals(16, run.get("config").get("width").asInt());
    for (String line : lines) {
      JsonNode row = new ObjectMapper().readTree(line);
      names.add(row.get("benchmark").asText());
      assertTrue(row.get("value").asDouble() > 0, line);
      assertEquals("cpu()", row.get("device").asText());
      assertEquals(5, row.get("top_k").asInt(), line);
      assertEquals(0.9, row.get("top_p").asDouble(), line);
    }
    assertEquals(
        List.of(
            "matmul-ceiling",
            "parameters",
            "generate-kv-cache",
            "generate-recompute",
            "generate-logit-mix",
            "forward-backward",
            "reference-forward",
            "dpo-step",
            "peak-resident-memory"),
        names);
  }

  @Test
  void loraRankTrainsAdaptersAgainstTheBaseView() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.execute(
            new String[] {
              "bench", "lm", "--parts", "training", "--lora-rank", "2", "--seconds", "0.05",
              "--batch", "2", "--prompt-len", "3", "--new-tokens", "4", "--layers", "1",
              "--width", "16", "--heads", "2", "--vocab", "16", "--device", "cpu"
            },
            new PrintWriter(out),
            new PrintWriter(err));
    assertEquals(0, code, err.toString());
    List<String> lines = new ArrayList<>(List.of(out.toString().strip().split("\n")));
    lines.remove(lines.size() - 1);
    List<String> names = new ArrayList<>();
    for (String line : lines) {
      JsonNode row = new ObjectMapper().readTree(line);
      names.add(row.get("benchmark").asText());
      assertEquals(2, row.get("lora_rank").asInt(), line);
      assertTrue(row.get("value").asDouble() > 0, line);
    }
    assertEquals(
        List.of(
            "matmul-ceiling",
            "parameters",
            "forward-backward",
            "reference-forward",
            "dpo-step",
            "peak-resident-memory"),
        names);
  }

  @Test
  void presetsAndArchitecturesAreChecked() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.execute(
            new String[] {
              "bench",
              "lm",
              "--seconds",
              "0.02",
              "--batch",
              "1",
              "--prompt-len",
              "2",
              "--new-tokens",
              "2",
              "--arch",
              "gpt2",
              "--device",
              "cpu"
            },
            new PrintWriter(out),
            new PrintWriter(err));
    assertEquals(0, code, err.toString());
    JsonNode parameters = new ObjectMapper().readTree(out.toString().split("\n")[1]);
    // gpt2 tiny: vocabulary 64, width 64, 2 layers, MLP 172, context 4
    long d = 64;
    long perLayer = 4 * d + d * 3 * d + 3 * d + d * d + d + d * 172 + 172 + 172 * d + d;
    assertEquals(64 * d + 4 * d + 2 * d + 2 * perLayer, parameters.get("value").asLong());
    assertEquals("gpt2", parameters.get("arch").asText());
    StringWriter bad = new StringWriter();
    assertEquals(
        2,
        Main.execute(
            new String[] {"bench", "lm", "--preset", "huge"},
            new PrintWriter(new StringWriter()),
            new PrintWriter(bad)));
    assertTrue(
        bad.toString().contains("--preset must be one of [tiny, smollm-135m], got 'huge'"),
        bad.toString());
  }

  @Test
  void aBackendWithoutGenerationIsRefusedNamingTheOnesWithIt() {
    StringWriter err = new StringWriter();
    int code =
        Main.execute(
            new String[] {"bench", "lm", "--backend", "cpu"},
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertEquals(2, code);
    assertTrue(err.toString().contains("backends with LANGUAGE_MODELS: djl"), err.toString());
  }
}
