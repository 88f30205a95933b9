package dpo.core.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import dpo.api.oracle.LabelRule;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class AlignConfigTest {

  @Test
  void defaultsAreValidAndIterative() {
    AlignConfig c = AlignConfig.defaults(25, 7);
    assertEquals(0, c.resyncEvery());
    assertFalse(c.offline());
    assertEquals(7, c.seed());
  }

  @Test
  void everyBadFieldIsReportedAtOnce() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () -> new AlignConfig(0, 1, 0, 0, -1, 0, 0, -0.1, 0, 0, 0, null, -2, false, 1, 1));
    Set<String> fields =
        e.violations().stream()
            .map(ConfigurationException.Violation::field)
            .collect(Collectors.toSet());
    assertEquals(
        Set.of(
            "iterations",
            "responsesPerPrompt",
            "epochs",
            "batchSize",
            "learningRate",
            "maxNewTokens",
            "temperature",
            "evalTemperature",
            "evalSamples",
            "klTemperature",
            "marginScale",
            "labelRule",
            "resyncEvery"),
        fields);
  }

  @Test
  void eachCopyChangesItsOneFieldAndValidates() {
    AlignConfig c =
        new AlignConfig(5, 3, 2, 8, 1e-3, 12, 0.9, 0.5, 4, 0.7, 2, LabelRule.HARD, 3, true, 11, 2);
    assertEquals(
        new AlignConfig(5, 3, 2, 8, 1e-3, 12, 0.9, 0.5, 4, 0.7, 2, LabelRule.HARD, 3, true, 99, 2),
        c.withSeed(99));
    assertEquals(
        new AlignConfig(5, 6, 2, 8, 1e-3, 12, 0.9, 0.5, 4, 0.7, 2, LabelRule.HARD, 3, true, 11, 2),
        c.withResponsesPerPrompt(6));
    assertEquals(
        new AlignConfig(5, 3, 2, 8, 1e-3, 12, 0.9, 0.5, 4, 0.7, 2, LabelRule.HARD, 3, true, 11, 7),
        c.withGradientAccumulation(7));
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> c.withResponsesPerPrompt(1));
    assertEquals("responsesPerPrompt must be >= 2, got 1", e.getMessage());
  }

  @Test
  void minusOneMeansOffline() {
    AlignConfig c =
        new AlignConfig(1, 2, 1, 1, 1e-3, 4, 1, 0, 1, 0.7, 1, LabelRule.HARD, -1, false, 1, 1);
    assertTrue(c.offline());
  }

  @Test
  void seedsDependOnEveryCoordinate() {
    long a = OnlineDpoLoop.mix(1, 2, 3);
    assertEquals(a, OnlineDpoLoop.mix(1, 2, 3));
    assertNotEquals(a, OnlineDpoLoop.mix(1, 3, 2));
    assertNotEquals(a, OnlineDpoLoop.mix(2, 2, 3));
    assertNotEquals(a, OnlineDpoLoop.mix(1, 2, 3, 0));
  }

  @Test
  void aSamplerThatFixesKGetsItsKAndOthersKeepTheExperiments() {
    AlignConfig c = AlignConfig.defaults(25, 7);
    dpo.api.sampler.Sampler onPolicy =
        () ->
            java.util.List.of(
                dpo.api.sampler.PairComponent.normalised(
                    1, dpo.api.sampler.Tilt.POLICY, dpo.api.sampler.Tilt.POLICY));
    dpo.api.sampler.Sampler bestOf8 =
        new dpo.api.sampler.Sampler() {
          @Override
          public java.util.List<dpo.api.sampler.PairComponent> components() {
            return onPolicy.components();
          }

          @Override
          public int responsesPerPrompt() {
            return 8;
          }
        };
    assertEquals(c, c.forSampler(onPolicy));
    assertEquals(8, c.forSampler(bestOf8).responsesPerPrompt());
    assertEquals(c.withResponsesPerPrompt(8), c.forSampler(bestOf8));
    assertThrows(ConfigurationException.class, () -> c.withResponsesPerPrompt(1));
  }
}
