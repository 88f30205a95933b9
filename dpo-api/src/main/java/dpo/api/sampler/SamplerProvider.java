package dpo.api.sampler;

import dpo.api.Provider;
import java.util.EnumSet;
import java.util.Set;

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
