package dpo.core.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dpo.api.backend.BackendCapability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.DeviceInfo;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.backend.TabularPolicies;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** An absent facet becomes one message naming the backends that have it. */
class BackendFacetsTest {

  private record Advertised(String id, Set<BackendCapability> capabilities)
      implements PolicyBackendProvider {
    @Override
    public int apiVersion() {
      return API_VERSION;
    }

    @Override
    public String description() {
      return "advertises only";
    }

    @Override
    public PolicyBackend create(BackendConfig config) {
      throw new IllegalStateException("not created in this test");
    }
  }

  /** A backend with tabular policies only: it inherits the empty language-model facets. */
  private static final class TabularOnly implements PolicyBackend {
    final TabularPolicies tabular =
        problem -> {
          throw new IllegalStateException("not called");
        };

    @Override
    public String id() {
      return "tab";
    }

    @Override
    public Set<BackendCapability> capabilities() {
      return Set.of(BackendCapability.EXACT_GRADIENT);
    }

    @Override
    public DeviceInfo device() {
      return new DeviceInfo("cpu", "test", "0");
    }

    @Override
    public Optional<TabularPolicies> tabularPolicies() {
      return Optional.of(tabular);
    }

    @Override
    public void close() {}
  }

  private static BackendFacets facets(Advertised... others) {
    return new BackendFacets(ProviderRegistry.of("backend", List.of(others)));
  }

  @Test
  void aPresentFacetIsReturned() {
    TabularOnly backend = new TabularOnly();
    assertSame(backend.tabular, facets().tabularPolicies(backend));
  }

  @Test
  void anAbsentFacetNamesTheBackendsThatHaveIt() {
    BackendFacets facets =
        facets(
            new Advertised("tab", Set.of(BackendCapability.EXACT_GRADIENT)),
            new Advertised("lm-b", Set.of(BackendCapability.LANGUAGE_MODELS)),
            new Advertised(
                "lm-a",
                Set.of(BackendCapability.LANGUAGE_MODELS, BackendCapability.REWARD_MODELS)));
    MissingCapabilityException e =
        assertThrows(
            MissingCapabilityException.class, () -> facets.languageModels(new TabularOnly()));
    assertEquals(
        "backend 'tab' has no language models; backends that do: lm-a, lm-b", e.getMessage());
    assertEquals(List.of("lm-a", "lm-b"), e.able());
    assertEquals(BackendCapability.LANGUAGE_MODELS, e.capability());
    MissingCapabilityException r =
        assertThrows(
            MissingCapabilityException.class, () -> facets.rewardModels(new TabularOnly()));
    assertEquals("backend 'tab' has no reward models; backends that do: lm-a", r.getMessage());
  }

  @Test
  void withoutAlternativesTheMessageSaysWhatToAdd() {
    MissingCapabilityException e =
        assertThrows(
            MissingCapabilityException.class,
            () ->
                facets(new Advertised("tab", Set.of(BackendCapability.EXACT_GRADIENT)))
                    .languageModels(new TabularOnly()));
    assertEquals(
        "backend 'tab' has no language models; no other backend on the class path has"
            + " them; add one with LANGUAGE_MODELS to the class path",
        e.getMessage());
  }
}
