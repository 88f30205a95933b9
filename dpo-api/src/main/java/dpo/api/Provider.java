package dpo.api;

import java.util.Set;

/**
 * What every plugin provider has in common: a stable id, a description and capabilities.
 *
 * <p>Providers are found with {@link java.util.ServiceLoader}, so an implementation needs a public
 * no-argument constructor, and constructing one must be cheap and free of side effects: no native
 * libraries, devices or files are touched before {@code create(...)} is called.
 *
 * <p>Ids are kebab-case ({@code dpo-mix-p}, {@code cpu}) and are what configs and the command line
 * name. The {@code dpo-} prefix is reserved for the project's own samplers.
 */
public interface Provider {

  /**
   * The version of this API. It is raised whenever a change can break a compiled plugin (a new
   * abstract method, a changed or removed signature); a plugin runs only on the API version it was
   * built against.
   */
  int API_VERSION = 1;

  /** Pattern every provider id must match. */
  String ID_PATTERN = "[a-z0-9]+(-[a-z0-9]+)*";

  /**
   * The stable id used in configs and on the command line.
   *
   * @return a kebab-case id, unique among providers of the same kind
   */
  String id();

  /**
   * The API version this provider was compiled against. Implement it as
   *
   * <pre>{@code @Override public int apiVersion() { return API_VERSION; }}</pre>
   *
   * <p>{@link #API_VERSION} is a compile-time constant, so javac copies its value into the plugin's
   * own class file: the method keeps returning the version the plugin was built with, whatever API
   * it later runs on. (A default method here would return the version of the API at run time and
   * prove nothing.) Discovery compares it with {@link #API_VERSION} of the running API and refuses
   * a plugin built for another version with a message naming the plugin, its jar and both versions,
   * instead of letting it fail with an {@link AbstractMethodError} in the middle of a run. A plugin
   * built before this method existed fails the same check and is reported the same way.
   *
   * @return {@code API_VERSION} as it was when the provider was compiled
   */
  int apiVersion();

  /**
   * A one-line human description, shown by listings and help texts.
   *
   * @return the description
   */
  String description();

  /**
   * Preference when a provider is chosen without an explicit id; the highest wins.
   *
   * @return the priority, 0 by default
   */
  default int priority() {
    return 0;
  }

  /**
   * What the provided component declares about itself, for listings and checks. Each kind of
   * provider narrows the type: a {@link dpo.api.backend.PolicyBackendProvider} returns the {@link
   * dpo.api.backend.BackendCapability capabilities} of its backend on this machine, a {@link
   * dpo.api.sampler.SamplerProvider} the {@link dpo.api.sampler.SamplerRequirement requirements} of
   * its sampler.
   *
   * @return the declared capabilities or requirements, empty by default
   */
  default Set<? extends Enum<?>> capabilities() {
    return Set.of();
  }
}
