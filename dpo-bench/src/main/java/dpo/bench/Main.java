package dpo.bench;

import dpo.core.DpoRuntime;
import dpo.core.provenance.Provenance;
import java.io.PrintWriter;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code dpo} command. Exit codes: 0 success, 1 unexpected failure, 2 bad usage or input, 3
 * training diverged.
 */
@Command(
    name = "dpo",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    subcommands = {
      BanditCommand.class,
      SweepCommand.class,
      AlignCommand.class,
      EvalCommand.class,
      BenchCommand.class,
      RewardCommand.class,
      DataCommand.class,
      LmCommand.class,
      TokenizerCommand.class,
      TrainCommand.class,
      ProvidersCommand.Backends.class,
      ProvidersCommand.Samplers.class,
      ProvidersCommand.Objectives.class,
      ProvidersCommand.Oracles.class,
      CommandLine.HelpCommand.class
    },
    usageHelpWidth = 100,
    description = {
      "Online Direct Preference Optimization with pluggable samplers.",
      "",
      "Reproduces the study of Shi, Zhou and Du, \"The Crucial Role of Samplers in Online Direct"
          + " Preference Optimization\" (ICLR 2025). Run 'dpo COMMAND --help' for details."
    },
    footer = {
      "",
      "Exit codes: 0 ok, 1 unexpected error, 2 bad option or input, 3 training diverged."
    })
public final class Main implements Runnable {
  static final int EXIT_USAGE = UserErrors.EXIT_USAGE;
  static final int EXIT_DIVERGED = UserErrors.EXIT_DIVERGED;

  static {
    // Before any DJL class can load: no downloads, no telemetry (docs/architecture.md).
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("OPT_OUT_TRACKING", "true");
    System.setProperty("java.awt.headless", "true");
  }

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command; try 'dpo bandit'");
  }

  /**
   * The providers every command works with. Discovery searches the thread's context class loader:
   * under the launcher that is the application class path (the dpo jar, plugins/*.jar and
   * DPO_CLASSPATH); an embedder or a test may set a loader that sees more plugins.
   *
   * @return the discovered providers
   */
  static DpoRuntime runtime() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    return DpoRuntime.builder()
        .classLoader(loader != null ? loader : Main.class.getClassLoader())
        .build();
  }

  /**
   * Runs the command line and exits with its status.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    System.exit(
        execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /**
   * Runs the command line with the given streams.
   *
   * @param args the arguments
   * @param out standard output
   * @param err standard error
   * @return the exit status
   */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(Main.class, new CommandFactory(CommandFactory.injector()));
    cli.setOut(out);
    cli.setErr(err);
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setParameterExceptionHandler(
        (ex, a) -> {
          CommandLine c = ex.getCommandLine();
          String message =
              ex instanceof UnmatchedArgumentException u
                  ? unmatched(u, c)
                  : oneLine(ex.getMessage());
          err.println(prefix(c) + message + " (see '" + name(c) + " --help')");
          err.flush();
          return EXIT_USAGE;
        });
    cli.setExecutionExceptionHandler(
        (ex, c, parseResult) -> {
          int code = UserErrors.exitCode(ex);
          err.println(prefix(c) + oneLine(UserErrors.message(ex, c)));
          if (code == UserErrors.EXIT_BUG) {
            ex.printStackTrace(err);
          }
          err.flush();
          return code;
        });
    return cli.execute(args);
  }

  /** An unknown subcommand or option, with the nearest name that exists. */
  private static String unmatched(UnmatchedArgumentException u, CommandLine c) {
    List<String> args = u.getUnmatched();
    if (args.isEmpty()) {
      return oneLine(u.getMessage());
    }
    String first = args.get(0);
    boolean option = first.startsWith("-");
    String typed = option && first.contains("=") ? first.substring(0, first.indexOf('=')) : first;
    Set<String> names = new TreeSet<>();
    if (option) {
      c.getCommandSpec().options().forEach(o -> names.addAll(List.of(o.names())));
    } else {
      names.addAll(c.getSubcommands().keySet());
    }
    String what =
        option
            ? "unknown option '" + typed + "'"
            : c.getSubcommands().isEmpty()
                ? "unexpected argument '" + typed + "'"
                : "unknown command '" + typed + "'";
    return what
        + UserErrors.Suggestions.nearest(typed, names)
            .map(n -> "; did you mean '" + n + "'?")
            .orElse("");
  }

  private static String prefix(CommandLine c) {
    return name(c) + ": ";
  }

  private static String name(CommandLine c) {
    return c.getCommandSpec().qualifiedName();
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").trim();
  }

  /** Reports the framework and Java versions. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "dpo " + Provenance.version(),
        "Java "
            + System.getProperty("java.version")
            + " ("
            + System.getProperty("java.vendor")
            + ")"
      };
    }
  }
}
