package dpo.api.backend;

import dpo.api.lm.LanguageModels;
import dpo.api.lm.RewardModels;
import java.util.Optional;
import java.util.Set;

/**
 * A backend that holds and trains policies. What it can do comes in facets, one per job, each
 * offered or not: {@link TabularPolicies} (the bandit study), {@link LanguageModels} (models,
 * tokenizers, generation, training) and {@link RewardModels}. A caller asks for the facet it needs;
 * an absent facet is an empty {@link Optional}, never a method that throws. (The core turns an
 * absent facet into a message naming the backends that have it.)
 *
 * <p>Call order: create (from the provider), ask for facets, any number of policies, models and
 * trainers, {@link #close()}.
 *
 * <pre>{@code
 * try (PolicyBackend backend = provider.create(BackendConfig.defaults())) {
 *   LanguageModels lm = backend.languageModels().orElseThrow();
 *   try (LanguageModel model = lm.newLanguageModel(shape, 1)) { ... }
 * }
 * }</pre>
 */
public interface PolicyBackend extends AutoCloseable {

  /**
   * The id of the provider that created this backend.
   *
   * @return the kebab-case id
   */
  String id();

  /**
   * What this backend can do as created: its facets' capabilities, and {@link
   * BackendCapability#CUDA} only when it computes on a GPU.
   *
   * @return the capabilities
   */
  Set<BackendCapability> capabilities();

  /**
   * The device and engine this backend computes with, for logs and provenance.
   *
   * @return the device actually used
   */
  DeviceInfo device();

  /**
   * Tabular softmax policies, offered by backends with {@link BackendCapability#EXACT_GRADIENT} or
   * {@link BackendCapability#SAMPLED_GRADIENT}.
   *
   * @return the facet, empty when the backend has no tabular policies
   */
  default Optional<TabularPolicies> tabularPolicies() {
    return Optional.empty();
  }

  /**
   * Causal language models, offered by backends with {@link BackendCapability#LANGUAGE_MODELS}.
   *
   * @return the facet, empty when the backend has no language models
   */
  default Optional<LanguageModels> languageModels() {
    return Optional.empty();
  }

  /**
   * Reward models, offered by backends with {@link BackendCapability#REWARD_MODELS}.
   *
   * @return the facet, empty when the backend has no reward models
   */
  default Optional<RewardModels> rewardModels() {
    return Optional.empty();
  }

  /**
   * Releases threads and native resources. Idempotent. Afterwards the facets' factory methods throw
   * {@link IllegalStateException}, and so do the steps of the policies this backend created.
   */
  @Override
  void close();
}
