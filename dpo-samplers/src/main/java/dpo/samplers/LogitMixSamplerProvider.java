package dpo.samplers;

/**
 * Provides `mix-p`: logit-mixed pair pi^1.5 pi_ref^-0.5 and pi^0.5 pi_ref^0.5 (the paper's
 * practical sampler).
 */
public final class LogitMixSamplerProvider extends DefinedSamplerProvider {
  /** Creates the provider (cheap; called by ServiceLoader). */
  public LogitMixSamplerProvider() {
    super(
        "mix-p",
        "logit-mixed pair pi^1.5 pi_ref^-0.5 and pi^0.5 pi_ref^0.5 (the paper's practical sampler)",
        SamplerDefinitions::logitMix);
  }
}
