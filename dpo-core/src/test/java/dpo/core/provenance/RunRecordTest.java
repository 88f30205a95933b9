package dpo.core.provenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.BadDataException;
import dpo.core.objective.ObjectiveProviders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunRecordTest {
  @TempDir Path dir;

  private static RunRecord sample() {
    RunRecord.ProviderInfo ipo = RunRecord.ProviderInfo.of(new ObjectiveProviders.Ipo());
    return RunRecord.start(
            "bandit",
            Instant.parse("2026-01-02T03:04:05Z"),
            Map.of("beta", 3.0, "samplers", List.of("dpo-unif")),
            new RunRecord.Providers(null, ipo, null, List.of()),
            new RunRecord.Device("cpu()", "PyTorch", "2.7.1"),
            List.of(new RunRecord.Input("rewards", "N(0,1) from seed 1", "ab".repeat(32))))
        .finish(Instant.parse("2026-01-02T03:04:06Z"), Map.of("order", 2.0));
  }

  @Test
  void aWrittenRecordReadsBackEqual() {
    RunRecord record = sample();
    record.writeTo(dir);
    RunRecord read = RunRecord.readFrom(dir);
    assertEquals(record, read);
    assertEquals("ipo", read.providers().objective().id());
    assertEquals(
        "dpo.core.objective.ObjectiveProviders$Ipo", read.providers().objective().className());
    assertEquals("PyTorch", read.environment().device().engine());
    assertEquals(System.getProperty("java.version"), read.environment().javaVersion());
    assertEquals(3.0, read.config().get("beta").asDouble());
    assertNull(read.providers().backend());
  }

  @Test
  void theNativeRuntimeSettingsAreTheSetVariablesInTheirListedOrder() {
    Map<String, String> env =
        Map.of(
            "MALLOC_ARENA_MAX", "1",
            "GOMP_SPINCOUNT", "10000",
            "OMP_WAIT_POLICY", "PASSIVE",
            "PATH", "/usr/bin");
    assertEquals(
        List.of("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "MALLOC_ARENA_MAX"),
        List.copyOf(RunRecord.Environment.nativeRuntime(env).keySet()));
    assertEquals("10000", RunRecord.Environment.nativeRuntime(env).get("GOMP_SPINCOUNT"));
    assertTrue(RunRecord.Environment.nativeRuntime(Map.of("PATH", "/usr/bin")).isEmpty());
  }

  @Test
  void theNativeRuntimeSettingsOfThisProcessAreRecordedUnderTheirOwnNames() throws Exception {
    var tree = new ObjectMapper().readTree(sample().toJson());
    for (String name : RunRecord.Environment.NATIVE_RUNTIME_VARIABLES) {
      String value = System.getenv(name);
      if (value == null) {
        assertTrue(tree.at("/environment/native_runtime/" + name).isMissingNode(), name);
      } else {
        assertEquals(value, tree.at("/environment/native_runtime/" + name).asText(), name);
      }
    }
  }

  @Test
  void theJsonUsesSnakeCaseNamesAndIsoTimes() throws Exception {
    var tree = new ObjectMapper().readTree(sample().toJson());
    assertEquals("2026-01-02T03:04:05Z", tree.get("started").asText());
    assertEquals(System.getProperty("java.version"), tree.at("/environment/java_version").asText());
    assertEquals("2.7.1", tree.at("/environment/device/engine_version").asText());
    assertEquals("ipo", tree.at("/providers/objective/id").asText());
    assertTrue(tree.at("/providers/objective/class").isTextual());
  }

  @Test
  void fieldsAddedByALaterVersionAreIgnored() throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode tree = (ObjectNode) json.readTree(sample().toJson());
    tree.put("gpu_memory", "80 GiB");
    ((ObjectNode) tree.get("environment")).put("cuda_version", "12.4");
    ((ObjectNode) tree.at("/providers/objective")).put("licence", "MIT");
    Files.write(dir.resolve(RunRecord.FILE), json.writeValueAsBytes(tree));
    assertEquals(sample(), RunRecord.readFrom(dir));
  }

  @Test
  void aFileThatIsNotARecordIsBadData() throws Exception {
    Files.writeString(dir.resolve(RunRecord.FILE), "[1, 2]");
    BadDataException e = assertThrows(BadDataException.class, () -> RunRecord.readFrom(dir));
    assertTrue(e.getMessage().contains("run.json"), e.getMessage());
    assertTrue(e.getMessage().contains("not a dpo provenance record"), e.getMessage());
  }
}
