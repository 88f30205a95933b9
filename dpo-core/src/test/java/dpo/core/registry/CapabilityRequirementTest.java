package dpo.core.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.Capability;
import dpo.api.ProviderNotFoundException;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CapabilityRequirementTest {

  /** A backend provider that only advertises; nothing here creates a backend. */
  private record FakeBackend(String id, int priority, Set<Capability> capabilities)
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
      new FakeBackend("lm-only", 500, Set.of(Capability.GENERATION, Capability.CUDA));
  private static final FakeBackend TABULAR = new FakeBackend(
      "tabular", 100, Set.of(Capability.EXACT_GRADIENT, Capability.SAMPLED_GRADIENT));
  private static final FakeBackend BOTH =
      new FakeBackend("both", 50, Set.of(Capability.EXACT_GRADIENT, Capability.GENERATION));

  private static ProviderRegistry<PolicyBackendProvider> registry(FakeBackend... backends) {
    return ProviderRegistry.of("backend", List.of(backends));
  }

  @Test
  void idsWithListsTheProvidersThatHaveACapabilitySorted() {
    ProviderRegistry<PolicyBackendProvider> r = registry(LM, TABULAR, BOTH);
    assertEquals(List.of("both", "tabular"), r.idsWith(Capability.EXACT_GRADIENT));
    assertEquals(List.of("both", "lm-only"), r.idsWith(Capability.GENERATION));
    assertEquals(List.of(), r.idsWith(Capability.NEEDS_REWARDS));
  }

  @Test
  void aNamedProviderWithTheCapabilityIsReturned() {
    ProviderRegistry<PolicyBackendProvider> r = registry(LM, TABULAR, BOTH);
    assertSame(BOTH, r.require("both", Capability.GENERATION, "generate text"));
  }

  @Test
  void aNamedProviderWithoutTheCapabilityFailsNamingThoseThatHaveIt() {
    ProviderRegistry<PolicyBackendProvider> r = registry(LM, TABULAR, BOTH);
    MissingCapabilityException e = assertThrows(MissingCapabilityException.class,
        () -> r.require("lm-only", Capability.EXACT_GRADIENT, "train with exact gradients"));
    assertEquals(
        "backend 'lm-only' cannot train with exact gradients: it lacks EXACT_GRADIENT;"
            + " backends with EXACT_GRADIENT: both, tabular",
        e.getMessage());
    assertEquals("backend", e.kind());
    assertEquals(Capability.EXACT_GRADIENT, e.capability());
    assertEquals(List.of("both", "tabular"), e.able());

    e = assertThrows(MissingCapabilityException.class,
        () -> r.require("tabular", Capability.GENERATION, "generate text"));
    assertTrue(e.getMessage().endsWith("backends with GENERATION: both, lm-only"), e.getMessage());
  }

  @Test
  void withoutAnIdTheBestProviderThatHasTheCapabilityIsChosen() {
    ProviderRegistry<PolicyBackendProvider> r = registry(LM, TABULAR, BOTH);
    // lm-only has the highest priority but cannot do it, so it is passed over.
    assertSame(TABULAR, r.require(null, Capability.EXACT_GRADIENT, "train"));
    assertSame(LM, r.require(null, Capability.GENERATION, "generate text"));
  }

  @Test
  void whenNoProviderHasTheCapabilityTheMessageSaysSo() {
    ProviderRegistry<PolicyBackendProvider> r = registry(LM);
    MissingCapabilityException named = assertThrows(MissingCapabilityException.class,
        () -> r.require("lm-only", Capability.SAMPLED_GRADIENT, "train with sampled gradients"));
    assertTrue(named.getMessage().endsWith("no backend found has it"), named.getMessage());
    MissingCapabilityException chosen = assertThrows(MissingCapabilityException.class,
        () -> r.require(null, Capability.SAMPLED_GRADIENT, "train with sampled gradients"));
    assertEquals(
        "no backend can train with sampled gradients: none has SAMPLED_GRADIENT"
            + " (available: lm-only); add a backend that has it to the class path",
        chosen.getMessage());
    assertTrue(chosen.able().isEmpty());
  }

  @Test
  void anUnknownIdIsStillReportedAsUnknown() {
    ProviderRegistry<PolicyBackendProvider> r = registry(LM, TABULAR);
    ProviderNotFoundException e = assertThrows(ProviderNotFoundException.class,
        () -> r.require("nope", Capability.EXACT_GRADIENT, "train"));
    assertTrue(e.getMessage().contains("lm-only, tabular"), e.getMessage());
  }
}
