package dpo.backend.gpu;

import dpo.api.backend.BackendConfig;
import dpo.api.objective.Objective;
import dpo.backend.gpu.lm.LmBenchmark;
import java.util.List;
import java.util.Map;

/** Entry point of {@code dpo bench lm}: times the LM paths on a fresh djl backend. */
public final class LmBench {
  private LmBench() {}

  /**
   * Runs the LM benchmark.
   *
   * @param config backend options (device)
   * @param options sizes and time budget
   * @param objective objective of the DPO step
   * @return one map per measurement
   */
  public static List<Map<String, Object>> run(
      BackendConfig config, LmBenchmark.Options options, Objective objective) {
    DjlOffline.enforce();
    try (DjlBackend backend = new DjlBackend(config)) {
      return LmBenchmark.run(backend.manager(), options, objective);
    }
  }
}
