package dpo.api.backend;

import dpo.api.Provider;
import java.util.Set;

/**
 * Service-provider interface for policy backends; list implementations in {@code
 * META-INF/services/dpo.api.backend.PolicyBackendProvider}.
 */
public interface PolicyBackendProvider extends Provider {

  /**
   * What the backend can do on this machine, known without creating it (no natives, devices or
   * threads are touched): {@link BackendCapability#CUDA} only when a GPU is present. A created
   * backend's {@link PolicyBackend#capabilities()} are a subset.
   *
   * @return the capabilities
   */
  @Override
  Set<BackendCapability> capabilities();

  /**
   * Checks settings the way {@link #create} would, without creating the backend (no natives,
   * devices or threads are touched): for a driver that refuses a setting before work elsewhere (a
   * sweep's tasks) starts. {@link #create} still checks everything. The default accepts every
   * config, so a backend that does not override it is checked only when it is created.
   *
   * @param config backend settings
   * @throws dpo.api.ConfigurationException naming the field (for example {@code device}) of a
   *     setting the backend refuses, with the message {@link #create} would give
   */
  default void validate(BackendConfig config) {}

  /**
   * Creates the backend; this is where natives, devices and thread pools are acquired.
   *
   * @param config backend settings
   * @return a backend the caller must close
   */
  PolicyBackend create(BackendConfig config);
}
