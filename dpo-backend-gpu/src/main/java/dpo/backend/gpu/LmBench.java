package dpo.backend.gpu;

import dpo.api.backend.BackendConfig;
import dpo.api.backend.DeviceInfo;
import dpo.api.objective.Objective;
import dpo.backend.gpu.lm.LmBenchmark;
import java.util.List;
import java.util.Map;

/** Entry point of {@code dpo bench lm}: times the LM paths on a fresh djl backend. */
public final class LmBench {
  private LmBench() {}

  /**
   * The measurements and where they were taken.
   *
   * @param device the device and engine the benchmark ran on
   * @param rows one map per measurement
   */
  public record Result(DeviceInfo device, List<Map<String, Object>> rows) {}

  /**
   * Runs the LM benchmark.
   *
   * @param config backend options (device)
   * @param options sizes and time budget
   * @param objective objective of the DPO step
   * @return the measurements and the device
   */
  public static Result run(BackendConfig config, LmBenchmark.Options options, Objective objective) {
    DjlOffline.enforce();
    try (DjlBackend backend = new DjlBackend(config)) {
      return new Result(backend.device(), LmBenchmark.run(backend.manager(), options, objective));
    }
  }
}
