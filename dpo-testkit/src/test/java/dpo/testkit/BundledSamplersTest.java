package dpo.testkit;

import dpo.api.sampler.SamplerProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/** The sampler contract, run against every shipped sampler. */
@ParameterizedClass(name = "{0}")
@MethodSource("samplers")
class BundledSamplersTest extends SamplerContract {
  private final SamplerProvider provider;

  BundledSamplersTest(SamplerProvider provider) {
    this.provider = provider;
  }

  static Stream<Named<SamplerProvider>> samplers() {
    return Discovered.samplers().stream()
        .filter(p -> p.getClass().getPackageName().equals("dpo.samplers"))
        .map(p -> Named.of(p.id(), p));
  }

  @Override
  protected SamplerProvider provider() {
    return provider;
  }
}
