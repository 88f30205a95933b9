package dpo.api.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dpo.api.ConfigurationException;
import dpo.api.ConfigurationException.Violation;
import dpo.api.lm.GenerationConfig.Setting;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GenerationConfigTest {
  private static final double INF = Double.POSITIVE_INFINITY;

  /** Each setting's boundary values, on both sides, and the values no rule allows. */
  @ParameterizedTest
  @CsvSource({
    "MAX_NEW_TOKENS, 1, true",
    "MAX_NEW_TOKENS, 2147483647, true",
    "MAX_NEW_TOKENS, 0, false",
    "MAX_NEW_TOKENS, 1.5, false",
    "MAX_NEW_TOKENS, 2147483648, false",
    "TEMPERATURE, 0, true",
    "TEMPERATURE, 0.7, true",
    "TEMPERATURE, -0.001, false",
    "TEMPERATURE, Infinity, false",
    "SAMPLING_TEMPERATURE, 0.001, true",
    "SAMPLING_TEMPERATURE, 0, false",
    "SAMPLING_TEMPERATURE, Infinity, false",
    "TOP_K, 0, true",
    "TOP_K, 50, true",
    "TOP_K, -1, false",
    "TOP_K, 2.5, false",
    "TOP_P, 1, true",
    "TOP_P, 0.001, true",
    "TOP_P, 0, false",
    "TOP_P, 1.0001, false",
    "TOP_P, -Infinity, false"
  })
  void eachSettingAcceptsExactlyItsRange(Setting setting, double value, boolean accepted) {
    assertEquals(accepted, setting.accepts(value), setting + " " + value);
    assertEquals(false, setting.accepts(Double.NaN), setting + " NaN");
  }

  /** A refusal names the setting as the caller knows it; whole values print without ".0". */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "MAX_NEW_TOKENS | --max-new-tokens | 0 | --max-new-tokens must be a whole number >= 1, got 0",
        "TEMPERATURE | evalTemperature | -1 | evalTemperature must be a finite number >= 0 (0: greedy),"
            + " got -1",
        "SAMPLING_TEMPERATURE | temperature | Infinity | temperature must be a finite number > 0,"
            + " got Infinity",
        "TOP_K | --top-k | 2.5 | --top-k must be a whole number >= 0 (0: off), got 2.5",
        "TOP_P | topP | 1.5 | topP must be a number in (0, 1] (1: off), got 1.5",
        "TOP_P | topP | NaN | topP must be a number in (0, 1] (1: off), got NaN"
      })
  void refusalsNameTheSettingTheRuleAndTheValue(
      Setting setting, String name, double value, String message) {
    assertEquals(message, setting.violation(name, value));
    List<Violation> violations = new ArrayList<>();
    setting.check(name, value, violations);
    assertEquals(List.of(new Violation(name, message)), violations);
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> setting.require(name, value));
    assertEquals(List.of(new Violation(name, message)), e.violations());
  }

  /** The record obeys the same rules, naming its own fields. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "0 | 1 | 0 | 1 | maxNewTokens must be a whole number >= 1, got 0",
        "8 | -1 | 0 | 1 | temperature must be a finite number >= 0 (0: greedy), got -1",
        "8 | 1 | -3 | 1 | topK must be a whole number >= 0 (0: off), got -3",
        "8 | 1 | 0 | 0 | topP must be a number in (0, 1] (1: off), got 0"
      })
  void theRecordRefusesWhatItsRulesRefuse(
      int maxNewTokens, double temperature, int topK, double topP, String message) {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () -> new GenerationConfig(maxNewTokens, temperature, topK, topP, -1, 0));
    assertEquals(message, e.violations().get(0).message());
  }

  /** Other end tokens end a response; one of them cannot also be suppressed. */
  @org.junit.jupiter.api.Test
  void otherEndTokensEndAResponseAndAreNeverSuppressed() {
    GenerationConfig g =
        new GenerationConfig(8, 1, 0, 1, 1, 0, List.of(4), List.of(), List.of(9, 7, 1, 9));
    assertEquals(List.of(7, 9), g.alsoEnding(), "sorted, distinct, the end-of-sequence token out");
    assertEquals(true, g.ends(1) && g.ends(7) && g.ends(9));
    assertEquals(false, g.ends(4) || g.ends(-1) || g.ends(0));
    assertEquals(List.of(7, 9), g.suppressing(3).withRowSeeds(5).alsoEnding(), "kept by copies");
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () -> new GenerationConfig(8, 1, 0, 1, 1, 0, List.of(7), List.of(), List.of(7)));
    assertEquals("alsoEnding", e.violations().get(0).field());
    assertThrows(ConfigurationException.class, () -> g.suppressing(9));
  }
}
