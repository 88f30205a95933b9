package dpo.bench;

import dpo.api.ConfigurationException;
import dpo.api.backend.BackendCapability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import dpo.backend.cpu.CpuBackendProvider;
import java.util.Set;

/**
 * A test plugin backend, found only through a test's own class loader: the cpu backend's exact
 * steps under another id, rejecting every backend option as a foreign backend would (so the cpu
 * backend's {@code kernel} option must not reach it).
 */
public final class ExclusiveCpuBackendProvider implements PolicyBackendProvider {
  @Override
  public int apiVersion() {
    return API_VERSION;
  }

  @Override
  public String id() {
    return "exact-only";
  }

  @Override
  public String description() {
    return "the cpu backend's exact steps, no options";
  }

  @Override
  public Set<BackendCapability> capabilities() {
    return Set.of(BackendCapability.EXACT_GRADIENT);
  }

  @Override
  public PolicyBackend create(BackendConfig config) {
    if (!config.options().isEmpty()) {
      throw new ConfigurationException(
          "options", "backend exact-only has no options, got " + config.options().keySet());
    }
    return new CpuBackendProvider().create(config);
  }
}
