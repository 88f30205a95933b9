package dpo.samplers;

/**
 * Provides `simplemix`: an on-policy pair (pi, pi) with probability 0.5, an off-policy pair
 * (pi_ref, pi_ref) otherwise (SimpleMix).
 */
public final class SimpleMixSamplerProvider extends DefinedSamplerProvider {
  /** Creates the provider (cheap; called by ServiceLoader). */
  public SimpleMixSamplerProvider() {
    super(
        "simplemix",
        "on-policy pair (pi, pi) with probability 0.5, off-policy (pi_ref, pi_ref) otherwise"
            + " (SimpleMix)",
        () -> SamplerDefinitions.simpleMix(SamplerDefinitions.SIMPLEMIX_ON_POLICY));
  }
}
