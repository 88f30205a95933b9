package dpo.samplers;

/** Provides `vanilla`: both responses from the reference (offline DPO). */
public final class VanillaSamplerProvider extends DefinedSamplerProvider {
  /** Creates the provider (cheap; called by ServiceLoader). */
  public VanillaSamplerProvider() {
    super(
        "vanilla", "both responses from the reference (offline DPO)", SamplerDefinitions::vanilla);
  }
}
