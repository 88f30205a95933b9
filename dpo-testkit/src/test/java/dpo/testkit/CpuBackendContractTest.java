package dpo.testkit;

import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import dpo.backend.cpu.CpuBackendProvider;
import java.util.Optional;

/**
 * The backend contract, run against the CPU backend itself. Its reference backend is its own plain
 * scalar kernel on one thread, so the agreement test compares the default (SIMD where the Vector
 * API is present) kernel with it.
 */
class CpuBackendContractTest extends BackendContract {
  @Override
  protected PolicyBackendProvider provider() {
    return new CpuBackendProvider();
  }

  @Override
  protected Optional<PolicyBackend> referenceBackend() {
    return Optional.of(scalarCpuBackend());
  }

  /** The CPU backend's plain scalar kernel on one thread. */
  static PolicyBackend scalarCpuBackend() {
    return new CpuBackendProvider().create(new BackendConfig(1).withOption("kernel", "scalar"));
  }
}
