package dpo.samplers;

/** Provides `mix-p-on-policy`: the mix-p pair with probability 0.7, an on-policy pair with 0.3. */
public final class LogitMixOnPolicySamplerProvider extends DefinedSamplerProvider {
  /** Creates the provider (cheap; called by ServiceLoader). */
  public LogitMixOnPolicySamplerProvider() {
    super(
        "mix-p-on-policy",
        "mix-p's logit-mixed pair with probability 0.7, an on-policy pair"
            + " with probability 0.3",
        SamplerDefinitions::logitMixWithOnPolicy);
  }
}
