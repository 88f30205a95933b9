package dpo.bench;

import com.google.inject.Provider;
import dpo.core.DpoRuntime;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dpo bench sweep}: how a sweep scales on Spark. Spark is touched only inside {@link
 * #call()}, through {@link SparkCommands}.
 */
@Command(
    name = "sweep",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    sortOptions = false,
    description = {
      "Time one sweep grid three ways: its cells one after the other in this JVM without Spark"
          + " (in-jvm), and as Spark tasks on local[1] and local[2]. Prints one JSON object per"
          + " variant (cells per second; for local[1] the overhead per task against in-jvm; for"
          + " local[2] its speed-up over local[1]), each after a warm-up, then the provenance line."
          + " The default grid is 24 cells (4 samplers x 6 seeds) of 16 prompts x 64 responses,"
          + " 100 exact steps, one backend thread per cell. After a warm-up pass over every cell, each"
          + " variant runs --repeat times and the fastest run counts (in-jvm: once before the"
          + " Spark variants and --repeat times after)."
    })
final class BenchSweepCommand implements Callable<Integer> {
  /** The default grid: cells heavy enough (tens of ms) that Spark's per-task cost is visible. */
  static final String DEFAULT_GRID =
      "{\"samplers\": [\"dpo-unif\", \"dpo-mix-r\", \"dpo-mix-p\", \"on-policy\"],"
          + " \"seed\": [1, 2, 3, 4, 5, 6], \"prompts\": [16], \"responses\": [64],"
          + " \"steps\": [100], \"threads\": [1]}";

  @Spec CommandSpec spec;

  private final Provider<DpoRuntime> runtime;

  @Inject
  BenchSweepCommand(Provider<DpoRuntime> runtime) {
    this.runtime = runtime;
  }

  @Option(
      names = "--grid",
      paramLabel = "GRID.json",
      description = "The grid, as for 'dpo sweep' (default: the grid described above).")
  Path grid;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description =
          "Where Spark's log (spark.log) and the grid file go (default: a new temporary folder).")
  Path out;

  @Option(
      names = "--repeat",
      paramLabel = "N",
      defaultValue = "3",
      description = "Timed runs per variant; the fastest counts (default: ${DEFAULT-VALUE}).")
  int repeat;

  @Override
  public Integer call() throws Exception {
    if (repeat < 1) {
      throw new dpo.api.ConfigurationException("repeat", "--repeat must be >= 1, got " + repeat);
    }
    SparkCommands.requireSpark("bench sweep");
    SparkCommands.benchSweep(runtime.get(), spec, grid, out, repeat, spec.commandLine().getOut());
    return 0;
  }
}
