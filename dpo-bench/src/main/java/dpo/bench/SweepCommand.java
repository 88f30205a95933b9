package dpo.bench;

import com.google.inject.Provider;
import dpo.core.DpoRuntime;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dpo sweep}: the tabular study over a grid of options, each combination one Spark task.
 * Spark is touched only inside {@link #call()}, through {@link SparkCommands}, so that building the
 * command line never loads it (docs/architecture.md).
 */
@Command(
    name = "sweep",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Run the tabular study (dpo bandit) for every combination of a grid of options, each"
          + " combination one task on Apache Spark: embedded in this JVM (local[*], the default)"
          + " or on a standalone cluster (spark://HOST:PORT).",
      "",
      "The grid is a JSON object whose keys are dpo bandit's options without the dashes"
          + " (samplers, seed, beta, lr, mode, steps, prompts, responses, pairs, objective,"
          + " backend, threads, device; not rewards), each with a list of values; 'samplers'"
          + " takes one sampler id per"
          + " value. A cell computes exactly what 'dpo bandit' computes for its options.",
      "",
      "Writes to --out: cells/ID.json per finished cell (a rerun computes only the missing"
          + " ones), results.parquet and results.csv (one row per cell and step: the cell's"
          + " options, its sampler in 'sampler', then step, param_diff, value, value_diff),"
          + " summary.csv (final error, steps to 1e-6 and 1e-10, order), run.json and Spark's"
          + " log, spark.log. Prints the summary table.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  echo '{\"samplers\": [\"dpo-unif\", \"dpo-mix-p\"], \"seed\": [1, 2, 3], \"lr\": [10,"
          + " \"newton\"]}' > grid.json",
      "  dpo sweep --grid grid.json --out results/sweep",
      "  dpo sweep --grid grid.json --out results/sweep --master spark://127.0.0.1:7077"
    })
final class SweepCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  private final Provider<DpoRuntime> runtime;

  @Inject
  SweepCommand(Provider<DpoRuntime> runtime) {
    this.runtime = runtime;
  }

  @Option(
      names = "--grid",
      required = true,
      paramLabel = "GRID.json",
      description = "The grid: a JSON object of dpo bandit option -> list of values.")
  Path grid;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Output directory; a rerun into it computes only the cells still missing.")
  Path out;

  @Option(
      names = "--master",
      paramLabel = "URL",
      defaultValue = "local[*]",
      description =
          "Spark master: local[*] (in this JVM, one task per core), local[N], or"
              + " spark://HOST:PORT (a standalone cluster) (default: ${DEFAULT-VALUE}).")
  String master;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Tasks to split the missing cells into; 0: one task per cell (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Override
  public Integer call() {
    SparkCommands.requireSpark("sweep");
    SparkCommands.checkMaster("--master", master);
    if (partitions < 0) {
      throw new dpo.api.ConfigurationException(
          "partitions", "--partitions must be >= 0 (0: one task per cell), got " + partitions);
    }
    SparkCommands.sweep(
        runtime.get(),
        Clock.systemUTC(),
        grid,
        out,
        master,
        partitions,
        spec.commandLine().getOut());
    return 0;
  }
}
