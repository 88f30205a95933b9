package dpo.testkit;

import dpo.api.backend.PolicyBackendProvider;
import dpo.backend.cpu.CpuBackendProvider;

/**
 * The backend contract, run against the CPU backend itself. Its agreement tests compare the default
 * (SIMD where the Vector API is present) kernel with the scalar reference.
 */
class CpuBackendContractTest extends BackendContract {
  @Override
  protected PolicyBackendProvider provider() {
    return new CpuBackendProvider();
  }
}
