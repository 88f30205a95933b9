package dpo.api.sampler;

import dpo.api.ConfigurationException;
import dpo.api.Provider;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Service-provider interface for samplers; list implementations in {@code
 * META-INF/services/dpo.api.sampler.SamplerProvider}.
 *
 * <p>{@link #capabilities()} are the sampler's requirements; the default derives {@link
 * SamplerRequirement#NEEDS_REWARDS} and {@link SamplerRequirement#POLICY_DEPENDENT} from the
 * sampler's tilts.
 */
public interface SamplerProvider extends Provider {

  /**
   * Creates the sampler. Cheap and side-effect free; may be called many times.
   *
   * @return the sampler
   */
  Sampler create();

  /**
   * Creates the sampler with options: settings by name, as text, that the sampler defines and
   * validates (e.g. {@code simplemix}'s {@code on-policy} probability). A sampler rejects options
   * it does not know, so that a misspelt name fails instead of being ignored; by default a sampler
   * has none.
   *
   * @param options the options by name; empty for the defaults, which is {@link #create()}
   * @return the sampler
   * @throws ConfigurationException (field: the option's name) for an unknown option or a bad value
   */
  default Sampler create(Map<String, String> options) {
    if (!options.isEmpty()) {
      String name = new TreeSet<>(options.keySet()).first();
      throw new ConfigurationException(
          name, "unknown option '" + name + "': sampler " + id() + " takes no options");
    }
    return create();
  }

  @Override
  default Set<SamplerRequirement> capabilities() {
    Set<SamplerRequirement> caps = EnumSet.noneOf(SamplerRequirement.class);
    for (PairComponent c : create().components()) {
      if (c.first().usesReward() || c.second().usesReward()) {
        caps.add(SamplerRequirement.NEEDS_REWARDS);
      }
      if (c.first().usesPolicy() || c.second().usesPolicy()) {
        caps.add(SamplerRequirement.POLICY_DEPENDENT);
      }
    }
    return Set.copyOf(caps);
  }
}
