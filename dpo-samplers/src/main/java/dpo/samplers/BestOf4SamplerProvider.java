package dpo.samplers;

/** Provides `best-of-4`: 4 on-policy responses per prompt, the best against the worst. */
public final class BestOf4SamplerProvider extends DefinedSamplerProvider {
  /** Creates the provider (cheap; called by ServiceLoader). */
  public BestOf4SamplerProvider() {
    super(
        "best-of-4",
        "4 on-policy responses per prompt, the best against the worst by the reward (language"
            + " models only)",
        () -> SamplerDefinitions.bestOfK(4));
  }
}
