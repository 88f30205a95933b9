package dpo.bench;

import picocli.CommandLine.Command;

/** {@code dpo bench}: throughput benchmarks. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    subcommands = {BenchBanditCommand.class, BenchLmCommand.class},
    description = {
      "Throughput benchmarks. Each prints one JSON object per line and variant, measured after"
          + " warm-up. For JMH micro-benchmarks of the kernels run './dpo jmh'."
    })
final class BenchCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "missing benchmark; try 'dpo bench bandit'");
  }
}
