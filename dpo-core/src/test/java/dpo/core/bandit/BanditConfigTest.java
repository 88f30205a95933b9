package dpo.core.bandit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import dpo.api.ConfigurationException.Violation;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.StepSize;
import dpo.core.bandit.BanditConfig.Mode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BanditConfigTest {

  private static BanditConfig config(
      int prompts, int responses, double beta, List<String> samplers, int steps, int pairs) {
    return new BanditConfig(
        prompts,
        responses,
        beta,
        1,
        samplers,
        Mode.EXACT,
        steps,
        StepSize.fixed(1),
        pairs,
        "sigmoid",
        null,
        BackendConfig.defaults());
  }

  private static List<String> fields(ConfigurationException e) {
    return e.violations().stream().map(Violation::field).toList();
  }

  @Test
  void paperExactIsThePapersFigure() {
    BanditConfig c = BanditConfig.PAPER_EXACT;
    assertEquals(1, c.prompts());
    assertEquals(20, c.responses());
    assertEquals(3, c.beta());
    assertEquals(100, c.steps());
    assertEquals(StepSize.fixed(10), c.lr());
    assertEquals(8192, c.pairs());
    assertEquals(List.of("dpo-unif", "dpo-mix-r", "dpo-mix-p"), c.samplers());
    assertEquals(Mode.EXACT, c.mode());
    assertEquals("sigmoid", c.objective());
    assertNull(c.backend());
    assertEquals(BackendConfig.defaults(), c.backendConfig());
  }

  @Test
  void everyInvalidOptionIsReportedAtOnce() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () -> config(0, 1, -0.1, List.of("dpo-unif", "dpo-unif"), 0, 0));
    assertEquals(List.of("prompts", "responses", "beta", "samplers", "steps", "pairs"), fields(e));
    for (Violation v : e.violations()) {
      assertTrue(e.getMessage().contains(v.message()), e.getMessage());
    }
    assertTrue(e.getMessage().contains("-0.1"), e.getMessage());
  }

  @Test
  void eachInvalidOptionIsNamedWithItsBadValue() {
    assertSingle("prompts", "0", () -> config(0, 20, 3, List.of("dpo-unif"), 100, 8));
    assertSingle("prompts", "-2", () -> config(-2, 20, 3, List.of("dpo-unif"), 100, 8));
    assertSingle("responses", "1", () -> config(1, 1, 3, List.of("dpo-unif"), 100, 8));
    assertSingle("beta", "-0.1", () -> config(1, 20, -0.1, List.of("dpo-unif"), 100, 8));
    assertSingle("beta", "0.0", () -> config(1, 20, 0, List.of("dpo-unif"), 100, 8));
    assertSingle("beta", "NaN", () -> config(1, 20, Double.NaN, List.of("dpo-unif"), 100, 8));
    assertSingle(
        "beta", "Infinity", () -> config(1, 20, Double.POSITIVE_INFINITY, List.of("a"), 100, 8));
    assertSingle("steps", "0", () -> config(1, 20, 3, List.of("dpo-unif"), 0, 8));
    assertSingle("pairs", "0", () -> config(1, 20, 3, List.of("dpo-unif"), 100, 0));
    assertSingle(
        "samplers", "dpo-mix-r", () -> config(1, 20, 3, List.of("dpo-mix-r", "dpo-mix-r"), 100, 8));
  }

  @Test
  void samplersMustNotBeEmptyOrMissing() {
    assertSingle("samplers", "sampler", () -> config(1, 20, 3, List.of(), 100, 8));
    assertSingle("samplers", "sampler", () -> config(1, 20, 3, null, 100, 8));
  }

  @Test
  void theRemainingFieldsAreValidatedToo() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () ->
                new BanditConfig(
                    1, 20, 3, 1, List.of("dpo-unif"), null, 100, null, 8, " ", null, null));
    assertEquals(List.of("mode", "lr", "objective"), fields(e));
  }

  @Test
  void theSamplerListIsCopied() {
    List<String> samplers = new ArrayList<>(List.of("dpo-unif", "dpo-mix-p"));
    BanditConfig c = config(1, 20, 3, samplers, 100, 8);
    samplers.add("dpo-mix-r");
    samplers.set(0, "vanilla");
    assertEquals(List.of("dpo-unif", "dpo-mix-p"), c.samplers());
    assertThrows(UnsupportedOperationException.class, () -> c.samplers().add("x"));
  }

  @Test
  void withShapeReplacesOnlyTheShape() {
    BanditConfig c = BanditConfig.PAPER_EXACT.withShape(4, 7);
    assertEquals(4, c.prompts());
    assertEquals(7, c.responses());
    assertEquals(
        BanditConfig.PAPER_EXACT,
        c.withShape(BanditConfig.PAPER_EXACT.prompts(), BanditConfig.PAPER_EXACT.responses()));
    assertThrows(ConfigurationException.class, () -> c.withShape(0, 7));
  }

  private static void assertSingle(String field, String valueText, Runnable build) {
    ConfigurationException e = assertThrows(ConfigurationException.class, build::run);
    assertEquals(List.of(field), fields(e), e.getMessage());
    assertTrue(e.getMessage().contains(valueText), e.getMessage());
  }
}
