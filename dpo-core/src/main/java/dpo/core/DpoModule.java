package dpo.core;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.objective.ObjectiveProvider;
import dpo.api.oracle.RewardOracleProvider;
import dpo.api.sampler.SamplerProvider;
import dpo.core.registry.ProviderRegistry;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * The runtime and registry module: binds the {@link DpoRuntime} (discovered once, on first use),
 * its registries and a clock. One injector per command invocation; the experiments' modules ({@link
 * dpo.core.bandit.BanditModule}, {@link dpo.core.align.AlignModule}) add theirs.
 */
public final class DpoModule extends AbstractModule {
  private final Supplier<DpoRuntime> discovery;
  private final Clock clock;

  /**
   * Wires the given providers.
   *
   * @param runtime the providers
   * @param clock the clock of time stamps
   */
  public DpoModule(DpoRuntime runtime, Clock clock) {
    this(() -> runtime, clock);
  }

  /**
   * Wires providers discovered on first use, so that an injector (and every command it creates)
   * costs nothing until a command actually needs a provider ({@code --help} never does).
   *
   * @param discovery discovers the providers; called at most once
   * @param clock the clock of time stamps
   */
  public DpoModule(Supplier<DpoRuntime> discovery, Clock clock) {
    this.discovery = discovery;
    this.clock = clock;
  }

  @Override
  protected void configure() {
    bind(Clock.class).toInstance(clock);
  }

  @Provides
  @Singleton
  DpoRuntime runtime() {
    return discovery.get();
  }

  @Provides
  ProviderRegistry<SamplerProvider> samplers(DpoRuntime runtime) {
    return runtime.samplers();
  }

  @Provides
  ProviderRegistry<ObjectiveProvider> objectives(DpoRuntime runtime) {
    return runtime.objectives();
  }

  @Provides
  ProviderRegistry<PolicyBackendProvider> backends(DpoRuntime runtime) {
    return runtime.backends();
  }

  @Provides
  ProviderRegistry<RewardOracleProvider> oracles(DpoRuntime runtime) {
    return runtime.oracles();
  }
}
