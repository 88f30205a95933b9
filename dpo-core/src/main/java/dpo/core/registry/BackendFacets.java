package dpo.core.registry;

import dpo.api.backend.BackendCapability;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.backend.TabularPolicies;
import dpo.api.lm.LanguageModels;
import dpo.api.lm.RewardModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Asks a backend for the facet a command needs and, when the backend lacks it, fails with a message
 * that names the backends that have it: "backend 'cpu' has no language models; backends that do:
 * djl". The API leaves facets optional ({@link PolicyBackend#languageModels()}); this is where
 * their absence becomes a user error, because only the registry knows the other backends.
 */
public final class BackendFacets {
  private final ProviderRegistry<PolicyBackendProvider> backends;

  /**
   * Facet lookups that name alternatives from a registry.
   *
   * @param backends the backends a user could choose instead
   */
  public BackendFacets(ProviderRegistry<PolicyBackendProvider> backends) {
    this.backends = backends;
  }

  /**
   * The backend's tabular policies.
   *
   * @param backend the backend
   * @return its facet
   * @throws MissingCapabilityException if it has none, naming the backends that do
   */
  public TabularPolicies tabularPolicies(PolicyBackend backend) {
    return require(
        backend,
        backend.tabularPolicies(),
        "tabular policies",
        BackendCapability.EXACT_GRADIENT,
        BackendCapability.SAMPLED_GRADIENT);
  }

  /**
   * The backend's language models.
   *
   * @param backend the backend
   * @return its facet
   * @throws MissingCapabilityException if it has none, naming the backends that do
   */
  public LanguageModels languageModels(PolicyBackend backend) {
    return require(
        backend, backend.languageModels(), "language models", BackendCapability.LANGUAGE_MODELS);
  }

  /**
   * The backend's reward models.
   *
   * @param backend the backend
   * @return its facet
   * @throws MissingCapabilityException if it has none, naming the backends that do
   */
  public RewardModels rewardModels(PolicyBackend backend) {
    return require(
        backend, backend.rewardModels(), "reward models", BackendCapability.REWARD_MODELS);
  }

  private <F> F require(
      PolicyBackend backend, Optional<F> facet, String what, BackendCapability... capabilities) {
    if (facet.isPresent()) {
      return facet.get();
    }
    List<String> able = new ArrayList<>();
    for (PolicyBackendProvider p : backends.all()) {
      for (BackendCapability c : capabilities) {
        if (!p.id().equals(backend.id()) && p.capabilities().contains(c)) {
          able.add(p.id());
          break;
        }
      }
    }
    String message =
        "backend '"
            + backend.id()
            + "' has no "
            + what
            + "; "
            + (able.isEmpty()
                ? "no other backend on the class path has them; add one with "
                    + capabilities[0]
                    + " to the class path"
                : "backends that do: " + String.join(", ", able));
    throw new MissingCapabilityException("backend", message, capabilities[0], able);
  }
}
