package dpo.backend.cpu;

import dpo.api.Capability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import java.util.Set;

/** Provides the {@code cpu} backend, the reference implementation of tabular policies. */
public final class CpuBackendProvider implements PolicyBackendProvider {
  @Override
  public int apiVersion() {
    return API_VERSION;
  }

  static final String ID = "cpu";
  static final Set<Capability> CAPABILITIES =
      Set.of(Capability.EXACT_GRADIENT, Capability.SAMPLED_GRADIENT);

  /** Creates the provider (cheap; called by ServiceLoader). */
  public CpuBackendProvider() {}

  @Override
  public String id() {
    return ID;
  }

  @Override
  public String description() {
    return "tabular softmax policies on the CPU, exact and sampled DPO gradients";
  }

  @Override
  public int priority() {
    return 100;
  }

  @Override
  public Set<Capability> capabilities() {
    return CAPABILITIES;
  }

  @Override
  public PolicyBackend create(BackendConfig config) {
    return new CpuBackend(config);
  }
}
