package dpo.api.backend;

import dpo.api.Provider;

/**
 * Service-provider interface for policy backends; list implementations in {@code
 * META-INF/services/dpo.api.backend.PolicyBackendProvider}.
 */
public interface PolicyBackendProvider extends Provider {

  /**
   * Creates the backend; this is where natives, devices and thread pools are acquired.
   *
   * @param config backend settings
   * @return a backend the caller must close
   */
  PolicyBackend create(BackendConfig config);
}
