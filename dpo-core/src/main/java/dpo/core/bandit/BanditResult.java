package dpo.core.bandit;

import dpo.api.backend.DeviceInfo;
import dpo.api.backend.TabularProblem;
import java.util.List;

/**
 * The outcome of a tabular study.
 *
 * @param config the configuration, with X and Y as run
 * @param problem the rewards
 * @param backend the backend id used
 * @param device the device and engine the backend ran on
 * @param runs one trajectory per sampler, in the configured order
 */
public record BanditResult(
    BanditConfig config,
    TabularProblem problem,
    String backend,
    DeviceInfo device,
    List<SamplerRun> runs) {

  /**
   * Copies the list.
   *
   * @param config the configuration, with X and Y as run
   * @param problem the rewards
   * @param backend the backend id used
   * @param runs one trajectory per sampler, in the configured order
   */
  public BanditResult {
    runs = List.copyOf(runs);
  }
}
