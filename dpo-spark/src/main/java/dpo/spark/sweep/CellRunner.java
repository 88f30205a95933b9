package dpo.spark.sweep;

import dpo.api.backend.DeviceInfo;
import dpo.core.DpoRuntime;
import dpo.core.bandit.BanditConfig;
import dpo.core.bandit.BanditExperiment;
import dpo.core.bandit.BanditOptions;
import dpo.core.bandit.BanditResult;
import dpo.core.bandit.SamplerRun;

/**
 * Computes cells where a task runs (an executor, or the driver for {@code local} masters): the
 * tabular study of {@link BanditExperiment}, with the providers found on that JVM's class path,
 * exactly as {@code dpo bandit} runs it for the same options (its N(0,1) rewards from the seed).
 */
public final class CellRunner {
  private final BanditExperiment experiment;

  /**
   * A runner over the given providers.
   *
   * @param runtime the providers
   */
  public CellRunner(DpoRuntime runtime) {
    this.experiment =
        new BanditExperiment(runtime.samplers(), runtime.objectives(), runtime.backends());
  }

  /** Discovery once per JVM: every task of an executor shares it. */
  private static final class Shared {
    static final CellRunner RUNNER = new CellRunner(discover());

    private static DpoRuntime discover() {
      ClassLoader loader = Thread.currentThread().getContextClassLoader();
      return DpoRuntime.builder()
          .classLoader(loader != null ? loader : CellRunner.class.getClassLoader())
          .build();
    }
  }

  /**
   * The runner of this JVM, its providers found through the thread's context class loader (on an
   * executor: the application's jars).
   *
   * @return the runner
   */
  public static CellRunner shared() {
    return Shared.RUNNER;
  }

  /**
   * Runs one cell.
   *
   * @param cell the cell
   * @return its trajectory
   */
  public CellResult run(SweepCell cell) {
    BanditConfig config = BanditOptions.config(cell.options());
    BanditResult result =
        experiment.run(
            config,
            BanditExperiment.gaussianRewards(config.prompts(), config.responses(), config.seed()));
    SamplerRun run = result.runs().get(0);
    DeviceInfo device = result.device();
    return new CellResult(
        cell.id(),
        cell.options(),
        result.backend(),
        device.device(),
        device.engine(),
        device.engineVersion(),
        run.paramDiff(),
        run.value(),
        run.valueDiff());
  }
}
