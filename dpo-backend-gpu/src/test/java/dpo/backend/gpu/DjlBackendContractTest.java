package dpo.backend.gpu;

import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import dpo.backend.cpu.CpuBackendProvider;
import dpo.testkit.BackendContract;
import java.util.Optional;

/**
 * The third-party backend contract, run against the djl backend on the CPU device, with the CPU
 * backend's scalar kernel (a test dependency) as the reference it must agree with step by step.
 */
class DjlBackendContractTest extends BackendContract {
  @Override
  protected PolicyBackendProvider provider() {
    return new DjlBackendProvider();
  }

  @Override
  protected BackendConfig config(int threads) {
    return new BackendConfig(threads).withOption("device", "cpu");
  }

  @Override
  protected Optional<PolicyBackend> referenceBackend() {
    return Optional.of(
        new CpuBackendProvider().create(new BackendConfig(1).withOption("kernel", "scalar")));
  }
}
