package dpo.api.backend;

/**
 * What a policy backend can do on this machine, now. A provider advertises them before it creates
 * anything (listings, choosing a backend for a purpose); a created backend reports what it actually
 * uses ({@code CUDA} only when it runs on a GPU). Each of the first four goes with a facet of
 * {@link PolicyBackend}: a backend offers the facet exactly when it has the capability.
 */
public enum BackendCapability {
  /** Tabular softmax policies ({@link TabularPolicies}) trained with the exact gradient. */
  EXACT_GRADIENT,
  /** Tabular softmax policies ({@link TabularPolicies}) trained from sampled, labelled pairs. */
  SAMPLED_GRADIENT,
  /**
   * Causal language models, tokenizers, generation and training ({@link
   * dpo.api.lm.LanguageModels}).
   */
  LANGUAGE_MODELS,
  /** Reward models and their Bradley-Terry training ({@link dpo.api.lm.RewardModels}). */
  REWARD_MODELS,
  /** Computation on a CUDA GPU; advertised only when this machine has one. */
  CUDA
}
