package dpo.samplers;

/** Provides `dpo-mix-p-star`: DPO-Mix-P with weights capped at DPO-Mix-R's largest (DPO-Mix-P*). */
public final class MixPStarSamplerProvider extends DefinedSamplerProvider {
  /** Creates the provider (cheap; called by ServiceLoader). */
  public MixPStarSamplerProvider() {
    super(
        "dpo-mix-p-star",
        "DPO-Mix-P with weights capped at DPO-Mix-R's largest (DPO-Mix-P*)",
        SamplerDefinitions::mixPStar);
  }
}
