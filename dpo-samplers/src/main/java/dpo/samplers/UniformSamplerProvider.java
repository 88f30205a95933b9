package dpo.samplers;

/** Provides `dpo-unif`: both responses uniform (the paper's DPO-Unif). */
public final class UniformSamplerProvider extends DefinedSamplerProvider {
  /** Creates the provider (cheap; called by ServiceLoader). */
  public UniformSamplerProvider() {
    super("dpo-unif", "both responses uniform (the paper's DPO-Unif)", SamplerDefinitions::uniform);
  }
}
