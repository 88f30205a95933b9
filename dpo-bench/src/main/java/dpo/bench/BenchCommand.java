package dpo.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.core.provenance.RunRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code dpo bench}: throughput benchmarks. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    subcommands = {BenchBanditCommand.class, BenchLmCommand.class, BenchSweepCommand.class},
    description = {
      "Throughput benchmarks. Each prints one JSON object per line and variant, measured after"
          + " warm-up, then one last line {\"run\": {...}}: the provenance (options, providers,"
          + " device and engine, Java and machine) in the form of run.json. For JMH"
          + " micro-benchmarks of the kernels run './dpo jmh'."
    })
final class BenchCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /**
   * The last line of a benchmark's output: {@code {"run": RECORD}}, the record on one line.
   *
   * @param record the provenance of the benchmark
   * @return the line, without its newline
   */
  static String provenanceLine(RunRecord record) {
    ObjectMapper json = new ObjectMapper();
    try {
      return json.writeValueAsString(Map.of("run", json.readTree(record.toJson())));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the provenance line", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "missing benchmark; try 'dpo bench bandit'");
  }
}
