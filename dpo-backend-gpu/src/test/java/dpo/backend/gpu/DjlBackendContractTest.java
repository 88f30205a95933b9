package dpo.backend.gpu;

import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackendProvider;
import dpo.testkit.BackendContract;

/** The third-party backend contract, run against the djl backend on the CPU device. */
class DjlBackendContractTest extends BackendContract {
  @Override
  protected PolicyBackendProvider provider() {
    return new DjlBackendProvider();
  }

  @Override
  protected BackendConfig config(int threads) {
    return new BackendConfig(threads).withOption("device", "cpu");
  }
}
