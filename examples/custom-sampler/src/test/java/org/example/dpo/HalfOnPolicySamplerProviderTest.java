package org.example.dpo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.sampler.GenerationPlan;
import dpo.api.sampler.SamplerProvider;
import dpo.testkit.SamplerContract;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Every test of dpo's sampler contract, run against this sampler, plus its registration. */
class HalfOnPolicySamplerProviderTest extends SamplerContract {

  @Override
  protected SamplerProvider provider() {
    return new HalfOnPolicySamplerProvider();
  }

  @Test
  void itsUniformHalfKeepsItOffLanguageModels() {
    // A uniform response on a language model would be uniformly random tokens: dpo align refuses.
    String why = GenerationPlan.refusal(provider().create(), 0.1).orElseThrow();
    assertTrue(why.contains("uniformly random tokens"), why);
  }

  @Test
  void isRegisteredForServiceLoader() {
    assertTrue(ServiceLoader.load(SamplerProvider.class).stream()
            .anyMatch(p -> p.type() == HalfOnPolicySamplerProvider.class),
        "META-INF/services/dpo.api.sampler.SamplerProvider must list the provider");
  }
}
