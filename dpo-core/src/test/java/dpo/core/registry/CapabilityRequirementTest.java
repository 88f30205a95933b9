package dpo.core.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ProviderNotFoundException;
import dpo.api.backend.BackendCapability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CapabilityRequirementTest {

  /** A backend provider that only advertises; nothing here creates a backend. */
  private record FakeBackend(String id, int priority, Set<BackendCapability> capabilities)
      implements PolicyBackendProvider {
    @Override
    public int apiVersion() {
      return API_VERSION;
    }

    @Override
    public String description() {
      return "fake backend " + id;
    }

    @Override
    public PolicyBackend create(BackendConfig config) {
      throw new UnsupportedOperationException("not needed by a capability check");
    }
  }

  private static final FakeBackend LM =
      new FakeBackend(
          "lm-only", 500, Set.of(BackendCapability.LANGUAGE_MODELS, BackendCapability.CUDA));
  private static final FakeBackend TABULAR =
      new FakeBackend(
          "tabular",
          100,
          Set.of(BackendCapability.EXACT_GRADIENT, BackendCapability.SAMPLED_GRADIENT));
  private static final FakeBackend BOTH =
      new FakeBackend(
          "both", 50, Set.of(BackendCapability.EXACT_GRADIENT, BackendCapability.LANGUAGE_MODELS));

  private static ProviderRegistry<PolicyBackendProvider> registry(FakeBackend... backends) {
    return ProviderRegistry.of("backend", List.of(backends));
  }

  @Test
  void idsWithListsTheProvidersThatHaveACapabilitySorted() {
    ProviderRegistry<PolicyBackendProvider> r = registry(LM, TABULAR, BOTH);
    assertEquals(List.of("both", "tabular"), r.idsWith(BackendCapability.EXACT_GRADIENT));
    assertEquals(List.of("both", "lm-only"), r.idsWith(BackendCapability.LANGUAGE_MODELS));
    assertEquals(List.of(), r.idsWith(BackendCapability.REWARD_MODELS));
  }

  @Test
  void aNamedProviderWithTheCapabilityIsReturned() {
    ProviderRegistry<PolicyBackendProvider> r = registry(LM, TABULAR, BOTH);
    assertSame(BOTH, r.require("both", BackendCapability.LANGUAGE_MODELS, "generate text"));
  }

  @Test
  void aNamedProviderWithoutTheCapabilityFailsNamingThoseThatHaveIt() {
    ProviderRegistry<PolicyBackendProvider> r = registry(LM, TABULAR, BOTH);
    MissingCapabilityException e =
        assertThrows(
            MissingCapabilityException.class,
            () ->
                r.require(
                    "lm-only", BackendCapability.EXACT_GRADIENT, "train with exact gradients"));
    assertEquals(
        "backend 'lm-only' cannot train with exact gradients: it lacks EXACT_GRADIENT;"
            + " backends with EXACT_GRADIENT: both, tabular",
        e.getMessage());
    assertEquals("backend", e.kind());
    assertEquals(BackendCapability.EXACT_GRADIENT, e.capability());
    assertEquals(List.of("both", "tabular"), e.able());

    e =
        assertThrows(
            MissingCapabilityException.class,
            () -> r.require("tabular", BackendCapability.LANGUAGE_MODELS, "generate text"));
    assertTrue(
        e.getMessage().endsWith("backends with LANGUAGE_MODELS: both, lm-only"), e.getMessage());
  }

  @Test
  void withoutAnIdTheBestProviderThatHasTheCapabilityIsChosen() {
    ProviderRegistry<PolicyBackendProvider> r = registry(LM, TABULAR, BOTH);
    // lm-only has the highest priority but cannot do it, so it is passed over.
    assertSame(TABULAR, r.require(null, BackendCapability.EXACT_GRADIENT, "train"));
    assertSame(LM, r.require(null, BackendCapability.LANGUAGE_MODELS, "generate text"));
  }

  @Test
  void whenNoProviderHasTheCapabilityTheMessageSaysSo() {
    ProviderRegistry<PolicyBackendProvider> r = registry(LM);
    MissingCapabilityException named =
        assertThrows(
            MissingCapabilityException.class,
            () ->
                r.require(
                    "lm-only", BackendCapability.SAMPLED_GRADIENT, "train with sampled gradients"));
    assertTrue(named.getMessage().endsWith("no backend found has it"), named.getMessage());
    MissingCapabilityException chosen =
        assertThrows(
            MissingCapabilityException.class,
            () ->
                r.require(
                    null, BackendCapability.SAMPLED_GRADIENT, "train with sampled gradients"));
    assertEquals(
        "no backend can train with sampled gradients: none has SAMPLED_GRADIENT"
            + " (available: lm-only); add a backend that has it to the class path",
        chosen.getMessage());
    assertTrue(chosen.able().isEmpty());
  }

  @Test
  void anUnknownIdIsStillReportedAsUnknown() {
    ProviderRegistry<PolicyBackendProvider> r = registry(LM, TABULAR);
    ProviderNotFoundException e =
        assertThrows(
            ProviderNotFoundException.class,
            () -> r.require("nope", BackendCapability.EXACT_GRADIENT, "train"));
    assertTrue(e.getMessage().contains("lm-only, tabular"), e.getMessage());
  }
}
