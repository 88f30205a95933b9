package dpo.samplers;

/** Provides `hybrid`: one response from the reference, one from the policy (Hybrid GSHF). */
public final class HybridSamplerProvider extends DefinedSamplerProvider {
  /** Creates the provider (cheap; called by ServiceLoader). */
  public HybridSamplerProvider() {
    super(
        "hybrid",
        "one response from the reference, one from the policy (Hybrid GSHF)",
        SamplerDefinitions::hybrid);
  }
}
