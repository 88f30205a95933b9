package dpo.backend.cpu;

import dpo.api.backend.BackendCapability;
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
  static final Set<BackendCapability> CAPABILITIES =
      Set.of(BackendCapability.EXACT_GRADIENT, BackendCapability.SAMPLED_GRADIENT);

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
  public Set<BackendCapability> capabilities() {
    return CAPABILITIES;
  }

  /** The option names, the device (auto or cpu) and the kernel, as {@link #create} checks them. */
  @Override
  public void validate(BackendConfig config) {
    CpuBackend.validate(config);
  }

  @Override
  public PolicyBackend create(BackendConfig config) {
    return new CpuBackend(config);
  }
}
