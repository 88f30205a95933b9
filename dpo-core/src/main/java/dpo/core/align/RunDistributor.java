package dpo.core.align;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Runs the seeds x samplers runs of a comparison as parallel tasks, each a whole run (generation,
 * training, evaluation, checkpoints) that {@link AlignExperiment#runOne} executes where the task
 * runs; found with {@link java.util.ServiceLoader} by the id of {@code dpo align --engine} when the
 * engine distributes {@link AlignExperiment.Engine#RUNS runs}. The driver has made each seed's
 * initial model (and the protocol's shared first iteration) before; every task writes its run
 * folder under the output folder, which is therefore on storage that the driver and every worker
 * share. Runs whose folder is finished already are not submitted.
 */
public interface RunDistributor {
  /**
   * The engine's id, as {@code dpo align --engine} names it.
   *
   * @return e.g. {@code spark}
   */
  String id();

  /**
   * Runs every unfinished (seed, sampler) run of a configuration and returns when all ended.
   *
   * @param setup where the engine runs ({@link GenerationEngineProvider.Setup#master()}) and where
   *     its log goes
   * @param config the experiment's settings
   * @param inputs the data of every seed
   * @param out the output folder, absolute
   * @param initials per seed, the folder of its initial model, whose files are sent to the tasks
   * @param finished told on the driver, as each run's task ends successfully, its seed and sampler,
   *     so that the driver reports the run while the others still run; may be called from another
   *     thread, before this method returns
   */
  void runAll(
      GenerationEngineProvider.Setup setup,
      AlignExperiment.Config config,
      AlignExperiment.Inputs inputs,
      Path out,
      Map<Long, Path> initials,
      BiConsumer<Long, String> finished);
}
