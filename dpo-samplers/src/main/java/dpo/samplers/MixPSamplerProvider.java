package dpo.samplers;

/**
 * Provides `dpo-mix-p`: uniform pair mixed with the implicit-reward tilt, C = 2 + e^u + e^-u
 * (DPO-Mix-P).
 */
public final class MixPSamplerProvider extends DefinedSamplerProvider {
  /** Creates the provider (cheap; called by ServiceLoader). */
  public MixPSamplerProvider() {
    super(
        "dpo-mix-p",
        "uniform pair mixed with the implicit-reward tilt, C = 2 + e^u + e^-u (DPO-Mix-P)",
        SamplerDefinitions::mixP);
  }
}
