package dpo.datasets.oracle;

import dpo.api.oracle.OracleConfig;
import dpo.api.oracle.RewardOracle;
import dpo.api.oracle.RewardOracleProvider;
import java.util.List;
import java.util.Set;

/**
 * Provides the {@code command} oracle, which scores with a user's process, for example a Python
 * reward model, by exchanging JSON lines over its standard input and output.
 *
 * <p><b>Options</b>
 *
 * <ul>
 *   <li>{@code command} (required): the program and its arguments, e.g. {@code python3 score.py},
 *       split like a shell does but without expansions (quote arguments with spaces), or a JSON
 *       array such as {@code ["python3", "my scorer.py"]};
 *   <li>{@code timeout}: seconds the process may take to answer one batch, default 60;
 *   <li>{@code batch}: pairs sent per batch, default 64.
 * </ul>
 *
 * <p><b>Protocol.</b> The process is started once, when the oracle is created, in the working
 * directory and with the environment of the JVM, and runs until the oracle is closed. For every
 * (prompt, response) pair the oracle writes one line to the process's standard input, a JSON object
 * in UTF-8 (non-ASCII characters escaped):
 *
 * <pre>{"prompt": "tell me about bees", "response": "the bees are calm ."}</pre>
 *
 * and reads one line back from its standard output, in the same order:
 *
 * <pre>{"reward": 0.83}</pre>
 *
 * The reward must be a finite JSON number; other fields are ignored. The process may answer each
 * line as it arrives or read a whole batch first, but must flush its output after answering (in
 * Python, {@code print(..., flush=True)}), and must write logs to standard error, never to standard
 * output. When the oracle is closed, the process's standard input ends; a process still running 2
 * seconds later is stopped.
 *
 * <p><b>Errors.</b> A command that cannot start is a {@link dpo.api.ConfigurationException} on
 * {@code command}. When the process exits early, answers with a line that is not such an object, or
 * misses the timeout, scoring throws {@link dpo.api.OracleException} with the exit code, the bad
 * line or the timeout and the last lines of the process's standard error, and the process is
 * stopped; the oracle then refuses further batches.
 */
public final class CommandOracleProvider implements RewardOracleProvider {
  @Override
  public int apiVersion() {
    return API_VERSION;
  }

  static final String ID = "command";
  static final String COMMAND = "command";
  static final String TIMEOUT = "timeout";
  static final String BATCH = "batch";
  static final double DEFAULT_TIMEOUT_SECONDS = 60;
  static final int DEFAULT_BATCH = 64;

  /** Creates the provider (cheap; called by ServiceLoader). */
  public CommandOracleProvider() {}

  @Override
  public String id() {
    return ID;
  }

  @Override
  public String description() {
    return "scores with your process (e.g. a Python reward model) over JSON lines on stdin/stdout";
  }

  @Override
  public RewardOracle create(OracleConfig config) {
    config.requireKnownOptions(ID, Set.of(COMMAND, TIMEOUT, BATCH));
    String command = config.requiredOption(COMMAND, "\"python3 score.py\"");
    List<String> argv = CommandLine.parse(COMMAND, command);
    double timeout = config.positiveNumber(TIMEOUT, DEFAULT_TIMEOUT_SECONDS);
    int batch = config.positiveInt(BATCH, DEFAULT_BATCH);
    return new CommandOracle(command, argv, timeout, batch);
  }
}
