package dpo.core;

import dpo.api.backend.PolicyBackendProvider;
import dpo.api.objective.ObjectiveProvider;
import dpo.api.oracle.RewardOracleProvider;
import dpo.api.sampler.SamplerProvider;
import dpo.core.registry.ProviderRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * The providers a process works with: one registry per SPI. Built once with {@link #builder()};
 * immutable afterwards.
 *
 * <pre>{@code
 * DpoRuntime runtime = DpoRuntime.builder().build();                 // ServiceLoader discovery
 * DpoRuntime custom = DpoRuntime.builder().autoDiscovery(false)      // only what is added
 *     .addSampler(new MySamplerProvider()).build();
 * }</pre>
 *
 * @param samplers the sampler providers
 * @param objectives the objective providers
 * @param backends the policy-backend providers
 * @param oracles the reward-oracle providers
 */
public record DpoRuntime(
    ProviderRegistry<SamplerProvider> samplers,
    ProviderRegistry<ObjectiveProvider> objectives,
    ProviderRegistry<PolicyBackendProvider> backends,
    ProviderRegistry<RewardOracleProvider> oracles) {

  /**
   * A builder with discovery switched on.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Collects providers; discovery through ServiceLoader can be switched off. */
  public static final class Builder {
    private boolean autoDiscovery = true;
    private ClassLoader loader = DpoRuntime.class.getClassLoader();
    private final List<SamplerProvider> samplers = new ArrayList<>();
    private final List<ObjectiveProvider> objectives = new ArrayList<>();
    private final List<PolicyBackendProvider> backends = new ArrayList<>();
    private final List<RewardOracleProvider> oracles = new ArrayList<>();

    private Builder() {}

    /**
     * Whether providers on the class path are discovered (default true).
     *
     * @param enabled false to use only the providers added explicitly
     * @return this builder
     */
    public Builder autoDiscovery(boolean enabled) {
      this.autoDiscovery = enabled;
      return this;
    }

    /**
     * The class loader discovery searches (default: the one that loaded the core).
     *
     * @param loader the class loader, e.g. one that also sees a plugins folder
     * @return this builder
     */
    public Builder classLoader(ClassLoader loader) {
      this.loader = loader;
      return this;
    }

    /**
     * Registers a sampler provider directly.
     *
     * @param provider the provider
     * @return this builder
     */
    public Builder addSampler(SamplerProvider provider) {
      samplers.add(provider);
      return this;
    }

    /**
     * Registers an objective provider directly.
     *
     * @param provider the provider
     * @return this builder
     */
    public Builder addObjective(ObjectiveProvider provider) {
      objectives.add(provider);
      return this;
    }

    /**
     * Registers a backend provider directly.
     *
     * @param provider the provider
     * @return this builder
     */
    public Builder addBackend(PolicyBackendProvider provider) {
      backends.add(provider);
      return this;
    }

    /**
     * Registers a reward-oracle provider directly.
     *
     * @param provider the provider
     * @return this builder
     */
    public Builder addOracle(RewardOracleProvider provider) {
      oracles.add(provider);
      return this;
    }

    /**
     * Discovers (if enabled) and builds the registries.
     *
     * @return the runtime
     * @throws dpo.api.DpoException on duplicate or malformed provider ids
     */
    public DpoRuntime build() {
      return new DpoRuntime(
          registry("sampler", SamplerProvider.class, samplers),
          registry("objective", ObjectiveProvider.class, objectives),
          registry("backend", PolicyBackendProvider.class, backends),
          registry("oracle", RewardOracleProvider.class, oracles));
    }

    private <P extends dpo.api.Provider> ProviderRegistry<P> registry(
        String kind, Class<P> type, List<P> extra) {
      return autoDiscovery
          ? ProviderRegistry.discover(kind, type, loader, extra)
          : ProviderRegistry.of(kind, extra);
    }
  }
}
