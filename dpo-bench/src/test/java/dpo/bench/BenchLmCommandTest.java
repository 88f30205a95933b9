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
    int code = Main.execute(new String[] {"bench", "lm", "--seconds", "0.05", "--batch", "2",
        "--prompt-len", "3", "--new-tokens", "4", "--layers", "1", "--width", "16", "--heads", "2",
        "--vocab", "16", "--device", "cpu"}, new PrintWriter(out), new PrintWriter(err));
    assertEquals(0, code, err.toString());
    List<String> names = new ArrayList<>();
    for (String line : out.toString().strip().split("\n")) {
      JsonNode row = new ObjectMapper().readTree(line);
      names.add(row.get("benchmark").asText());
      assertTrue(row.get("value").asDouble() > 0, line);
      assertEquals("cpu()", row.get("device").asText());
    }
    assertEquals(List.of("generate-kv-cache", "generate-recompute", "generate-logit-mix",
        "forward-backward", "reference-forward", "dpo-step"), names);
  }

  @Test
  void aBackendWithoutGenerationIsRefusedNamingTheOnesWithIt() {
    StringWriter err = new StringWriter();
    int code = Main.execute(new String[] {"bench", "lm", "--backend", "cpu"},
        new PrintWriter(new StringWriter()), new PrintWriter(err));
    assertEquals(2, code);
    assertTrue(err.toString().contains("backends with LANGUAGE_MODELS: djl"), err.toString());
  }
}
