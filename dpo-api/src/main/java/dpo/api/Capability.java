package dpo.api;

/** Features a provider may advertise, so that a run can check them before it starts. */
public enum Capability {
  /** Tabular softmax policies trained with the exact gradient of the sampler-weighted loss. */
  EXACT_GRADIENT,
  /** Tabular softmax policies trained from sampled, labelled pairs. */
  SAMPLED_GRADIENT,
  /** Text generation from causal language models. */
  GENERATION,
  /** Computation on a CUDA device. */
  CUDA,
  /** A sampler that reads the true rewards (not realisable where rewards are unknown). */
  NEEDS_REWARDS,
  /** A sampler whose pair distribution depends on the current policy. */
  POLICY_DEPENDENT
}
