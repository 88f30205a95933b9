package org.example.dpo;

import dpo.api.sampler.PairComponent;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.SamplerProvider;
import dpo.api.sampler.Tilt;
import java.util.List;

/** A sampler in a few lines: half a uniform pair, half a pair drawn from the policy. */
public final class HalfOnPolicySamplerProvider implements SamplerProvider {
  @Override
  public int apiVersion() {
    return API_VERSION;
  }


  @Override
  public String id() {
    return "half-on-policy";
  }

  @Override
  public String description() {
    return "half uniform pair, half on-policy pair";
  }

  @Override
  public Sampler create() {
    return () -> List.of(
        PairComponent.normalised(0.5, Tilt.UNIFORM, Tilt.UNIFORM),
        PairComponent.normalised(0.5, Tilt.POLICY, Tilt.POLICY));
  }
}
