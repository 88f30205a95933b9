package dpo.api.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dpo.api.ConfigurationException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OracleConfigTest {

  @Test
  void unknownOptionsAreAllNamedWithTheKnownOnes() {
    OracleConfig config = OracleConfig.of(Map.of("comand", "x", "batch", "2", "timout", "3"));
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () -> config.requireKnownOptions("command", Set.of("command", "timeout", "batch")));
    assertEquals(2, e.violations().size());
    assertEquals("comand", e.violations().get(0).field());
    assertEquals(
        "unknown option 'comand' for oracle command; known options: batch, command, timeout",
        e.violations().get(0).message());
    assertEquals("timout", e.violations().get(1).field());
  }

  @Test
  void typedOptionsParseOrFallBackOrNameTheBadValue() {
    OracleConfig config = OracleConfig.of(Map.of("timeout", "2.5", "batch", " 8 "));
    assertEquals(2.5, config.positiveNumber("timeout", 60));
    assertEquals(8, config.positiveInt("batch", 64));
    assertEquals(64, config.positiveInt("other", 64));
    assertEquals(Optional.empty(), config.option("other"));

    for (String bad : List.of("0", "-1", "abc", "NaN", "Infinity")) {
      ConfigurationException e =
          assertThrows(
              ConfigurationException.class,
              () -> config.withOption("timeout", bad).positiveNumber("timeout", 1));
      assertEquals(
          "option 'timeout' must be a finite number > 0, got '" + bad + "'", e.getMessage());
    }
    for (String bad : List.of("0", "1.5", "x", "99999999999")) {
      ConfigurationException e =
          assertThrows(
              ConfigurationException.class,
              () -> config.withOption("batch", bad).positiveInt("batch", 1));
      assertEquals("batch", e.violations().get(0).field());
    }
  }

  @Test
  void requiredOptionNamesAnExample() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () -> OracleConfig.of(Map.of()).requiredOption("command", "\"python3 score.py\""));
    assertEquals("option 'command' is required, e.g. command=\"python3 score.py\"", e.getMessage());
  }

  @Test
  void withOptionCopiesAndKeepsTheSeed() {
    OracleConfig config = new OracleConfig(9, Map.of("a", "1"));
    OracleConfig more = config.withOption("b", "2");
    assertEquals(Map.of("a", "1"), config.options());
    assertEquals(Map.of("a", "1", "b", "2"), more.options());
    assertEquals(9, more.seed());
  }
}
