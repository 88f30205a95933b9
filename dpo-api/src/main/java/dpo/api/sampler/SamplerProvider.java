package dpo.api.sampler;

import dpo.api.Capability;
import dpo.api.Provider;
import java.util.EnumSet;
import java.util.Set;

/**
 * Service-provider interface for samplers; list implementations in {@code
 * META-INF/services/dpo.api.sampler.SamplerProvider}.
 *
 * <p>The default {@link #capabilities()} derives {@link Capability#NEEDS_REWARDS} and {@link
 * Capability#POLICY_DEPENDENT} from the sampler's tilts.
 */
public interface SamplerProvider extends Provider {

  /**
   * Creates the sampler. Cheap and side-effect free; may be called many times.
   *
   * @return the sampler
   */
  Sampler create();

  @Override
  default Set<Capability> capabilities() {
    Set<Capability> caps = EnumSet.noneOf(Capability.class);
    for (PairComponent c : create().components()) {
      if (c.first().usesReward() || c.second().usesReward()) {
        caps.add(Capability.NEEDS_REWARDS);
      }
      if (c.first().usesPolicy() || c.second().usesPolicy()) {
        caps.add(Capability.POLICY_DEPENDENT);
      }
    }
    return Set.copyOf(caps);
  }
}
