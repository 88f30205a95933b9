package dpo.api.sampler;

/**
 * What a sampler needs from a run, derived from its tilts: the true rewards, or the current policy.
 * Distinct from {@link dpo.api.backend.BackendCapability}, which says what a backend can do.
 */
public enum SamplerRequirement {
  /** The sampler reads the true rewards (not realisable where rewards are unknown). */
  NEEDS_REWARDS,
  /** The sampler's pair distribution depends on the current policy. */
  POLICY_DEPENDENT
}
