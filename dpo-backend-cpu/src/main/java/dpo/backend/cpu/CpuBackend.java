package dpo.backend.cpu;

import dpo.api.Capability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;

/** The CPU backend: one worker pool shared by the policies it creates. */
final class CpuBackend implements PolicyBackend {
  private final ForkJoinPool pool;

  CpuBackend(BackendConfig config) {
    this.pool = new ForkJoinPool(config.effectiveThreads());
  }

  @Override
  public String id() {
    return CpuBackendProvider.ID;
  }

  @Override
  public Set<Capability> capabilities() {
    return CpuBackendProvider.CAPABILITIES;
  }

  @Override
  public TabularPolicy newTabularPolicy(TabularProblem problem) {
    return new CpuTabularPolicy(problem, pool);
  }

  @Override
  public void close() {
    pool.shutdown();
  }
}
