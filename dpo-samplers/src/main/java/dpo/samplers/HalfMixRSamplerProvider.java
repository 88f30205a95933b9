package dpo.samplers;

/** Provides `half-mix-r`: half uniform pair, half (softmax(r), softmax(-r)). */
public final class HalfMixRSamplerProvider extends DefinedSamplerProvider {
  /** Creates the provider (cheap; called by ServiceLoader). */
  public HalfMixRSamplerProvider() {
    super(
        "half-mix-r",
        "half uniform pair, half (softmax(r), softmax(-r))",
        SamplerDefinitions::halfMixR);
  }
}
