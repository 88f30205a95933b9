package dpo.core;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.objective.ObjectiveProvider;
import dpo.api.sampler.SamplerProvider;
import dpo.core.registry.ProviderRegistry;
import java.time.Clock;

/**
 * Binds a {@link DpoRuntime}'s registries and a clock. Side-effect free: discovery has already
 * happened when the runtime was built. Create one injector per process.
 */
public final class DpoModule extends AbstractModule {
  private final DpoRuntime runtime;
  private final Clock clock;

  /**
   * Creates the module.
   *
   * @param runtime the providers to bind
   * @param clock the clock for timestamps in results
   */
  public DpoModule(DpoRuntime runtime, Clock clock) {
    this.runtime = runtime;
    this.clock = clock;
  }

  @Override
  protected void configure() {
    bind(DpoRuntime.class).toInstance(runtime);
    bind(Clock.class).toInstance(clock);
  }

  @Provides
  ProviderRegistry<SamplerProvider> samplers() {
    return runtime.samplers();
  }

  @Provides
  ProviderRegistry<ObjectiveProvider> objectives() {
    return runtime.objectives();
  }

  @Provides
  ProviderRegistry<PolicyBackendProvider> backends() {
    return runtime.backends();
  }
}
