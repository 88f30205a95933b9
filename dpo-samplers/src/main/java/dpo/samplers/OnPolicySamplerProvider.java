package dpo.samplers;

/** Provides `on-policy`: both responses from the policy. */
public final class OnPolicySamplerProvider extends DefinedSamplerProvider {
  /** Creates the provider (cheap; called by ServiceLoader). */
  public OnPolicySamplerProvider() {
    super("on-policy", "both responses from the policy", SamplerDefinitions::onPolicy);
  }
}
