package dpo.samplers;

import dpo.api.ConfigurationException;
import dpo.api.sampler.Sampler;
import java.util.Map;
import java.util.TreeSet;

/**
 * Provides `simplemix`: an on-policy pair (pi, pi) with probability p, an off-policy pair (pi_ref,
 * pi_ref) otherwise (SimpleMix); the option {@code on-policy} sets p, 0.5 by default (SimpleMix's
 * equal mixture).
 */
public final class SimpleMixSamplerProvider extends DefinedSamplerProvider {
  /** The option that sets the on-policy probability. */
  public static final String ON_POLICY = "on-policy";

  /** Creates the provider (cheap; called by ServiceLoader). */
  public SimpleMixSamplerProvider() {
    super(
        "simplemix",
        "on-policy pair (pi, pi) with probability on-policy (option, default 0.5), off-policy"
            + " (pi_ref, pi_ref) otherwise (SimpleMix)",
        () -> SamplerDefinitions.simpleMix(SamplerDefinitions.SIMPLEMIX_ON_POLICY));
  }

  @Override
  public Sampler create(Map<String, String> options) {
    for (String name : new TreeSet<>(options.keySet())) {
      if (!name.equals(ON_POLICY)) {
        throw new ConfigurationException(
            name, "unknown option '" + name + "': sampler simplemix takes " + ON_POLICY);
      }
    }
    String value = options.get(ON_POLICY);
    if (value == null) {
      return create();
    }
    double p;
    try {
      p = Double.parseDouble(value.strip());
    } catch (NumberFormatException e) {
      p = Double.NaN;
    }
    if (!(p >= 0 && p <= 1)) {
      throw new ConfigurationException(
          ON_POLICY, ON_POLICY + " must be a probability in [0, 1], got '" + value + "'");
    }
    return SamplerDefinitions.simpleMix(p);
  }
}
