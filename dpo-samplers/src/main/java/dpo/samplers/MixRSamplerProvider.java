package dpo.samplers;

/**
 * Provides `dpo-mix-r`: uniform pair mixed with (softmax(r), softmax(-r)), C = 2 + e^dr + e^-dr
 * (DPO-Mix-R).
 */
public final class MixRSamplerProvider extends DefinedSamplerProvider {
  /** Creates the provider (cheap; called by ServiceLoader). */
  public MixRSamplerProvider() {
    super(
        "dpo-mix-r",
        "uniform pair mixed with (softmax(r), softmax(-r)), C = 2 + e^dr + e^-dr (DPO-Mix-R)",
        SamplerDefinitions::mixR);
  }
}
