package dpo.samplers;

/** Provides `half-mix-p`: half uniform pair, half implicit-reward tilted pair. */
public final class HalfMixPSamplerProvider extends DefinedSamplerProvider {
  /** Creates the provider (cheap; called by ServiceLoader). */
  public HalfMixPSamplerProvider() {
    super(
        "half-mix-p",
        "half uniform pair, half implicit-reward tilted pair",
        SamplerDefinitions::halfMixP);
  }
}
