package dpo.samplers;

/** Provides `best-of-8`: 8 on-policy responses per prompt, the best against the worst. */
public final class BestOf8SamplerProvider extends DefinedSamplerProvider {
  /** Creates the provider (cheap; called by ServiceLoader). */
  public BestOf8SamplerProvider() {
    super(
        "best-of-8",
        "8 on-policy responses per prompt, the best against the worst by the reward (language"
            + " models only)",
        () -> SamplerDefinitions.bestOfK(8));
  }
}
