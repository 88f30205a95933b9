package dpo.core.provenance;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.core.objective.ObjectiveProviders;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProvenanceTest {

  @Test
  void sha256MatchesTheStandardTestVectors() {
    assertEquals(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        Provenance.sha256(new byte[0]));
    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        Provenance.sha256("abc".getBytes(UTF_8)));
  }

  @Test
  void versionIsTheFilteredBuildVersion() {
    String v = Provenance.version();
    // An unfiltered resource would give the literal "${project.version}".
    assertTrue(v.matches("\\d+\\.\\d+\\.\\d+.*"), v);
  }

  @Test
  void providerRecordNamesIdClassAndVersion() {
    Map<String, Object> m = Provenance.of(new ObjectiveProviders.Ipo());
    assertEquals(List.of("id", "class", "version"), List.copyOf(m.keySet()));
    assertEquals("ipo", m.get("id"));
    assertEquals("dpo.core.objective.ObjectiveProviders$Ipo", m.get("class"));
    assertTrue(m.get("version") instanceof String s && !s.isBlank(), String.valueOf(m));
  }

  @Test
  void environmentListsTheRuntime() {
    Map<String, Object> env = Provenance.environment();
    assertEquals(
        List.of("dpo_version", "java_version", "java_vendor", "os", "arch", "processors"),
        List.copyOf(env.keySet()));
    assertEquals(Provenance.version(), env.get("dpo_version"));
    assertEquals(System.getProperty("java.version"), env.get("java_version"));
    assertTrue((Integer) env.get("processors") >= 1);
  }
}
