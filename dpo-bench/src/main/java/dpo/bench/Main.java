package dpo.bench;

import dpo.api.BackendException;
import dpo.api.BadDataException;
import dpo.api.ConfigurationException;
import dpo.api.DpoException;
import dpo.api.ProviderNotFoundException;
import dpo.api.TrainingDivergedException;
import dpo.core.DpoRuntime;
import dpo.core.provenance.Provenance;
import dpo.core.registry.MissingCapabilityException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

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
      AlignCommand.class,
      BenchCommand.class,
      RewardCommand.class,
      DataCommand.class,
      TokenizerCommand.class,
      ProvidersCommand.Backends.class,
      ProvidersCommand.Samplers.class,
      ProvidersCommand.Objectives.class,
      CommandLine.HelpCommand.class
    },
    usageHelpWidth = 100,
    description = {
      "Online Direct Preference Optimization with pluggable samplers.",
      "",
      "Reproduces the study of Shi, Zhou and Du, \"The Crucial Role of Samplers in Online Direct"
          + " Preference Optimization\" (ICLR 2025). Run 'dpo COMMAND --help' for details."
    },
    footer = {"", "Exit codes: 0 ok, 1 unexpected error, 2 bad option or input, 3 training diverged."})
public final class Main implements Runnable {
  static final int EXIT_USAGE = 2;
  static final int EXIT_DIVERGED = 3;

  static {
    // Before any DJL class can load: no downloads, no telemetry (DESIGN.md, DJL rules).
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
    System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
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
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setParameterExceptionHandler(
        (ex, a) -> {
          CommandLine c = ex.getCommandLine();
          err.println(prefix(c) + oneLine(ex.getMessage()) + " (see '" + name(c) + " --help')");
          err.flush();
          return EXIT_USAGE;
        });
    cli.setExecutionExceptionHandler(
        (ex, c, parseResult) -> {
          int code = exitCode(ex);
          err.println(prefix(c) + oneLine(message(ex, c)));
          if (code == 1) {
            ex.printStackTrace(err);
          }
          err.flush();
          return code;
        });
    return cli.execute(args);
  }

  private static int exitCode(Exception ex) {
    if (ex instanceof TrainingDivergedException) {
      return EXIT_DIVERGED;
    }
    if (ex instanceof DpoException || ex instanceof UncheckedIOException) {
      return EXIT_USAGE;
    }
    return 1;
  }

  /** Maps failures onto the option a user should change. */
  private static String message(Exception ex, CommandLine c) {
    if (ex instanceof ConfigurationException ce) {
      return ce.violations().stream()
          .map(v -> "--" + kebab(v.field()) + ": " + v.message())
          .collect(Collectors.joining("; "));
    }
    if (ex instanceof ProviderNotFoundException pe) {
      return option(pe.kind()) + ": " + pe.getMessage();
    }
    if (ex instanceof MissingCapabilityException me) {
      return option(me.kind()) + ": " + me.getMessage();
    }
    if (ex instanceof BadDataException bad) {
      // The data commands name their files in the message; bandit reads its file via --rewards.
      return c.getCommandSpec().name().equals("bandit")
          ? "--rewards: " + bad.getMessage()
          : bad.getMessage();
    }
    if (ex instanceof BackendException) {
      return "--backend: " + ex.getMessage();
    }
    if (ex instanceof TrainingDivergedException) {
      return ex.getMessage() + " (try a smaller --lr or --lr newton)";
    }
    if (ex instanceof UncheckedIOException) {
      // Only results are written; inputs fail as BadDataException.
      return "--out: " + ex.getMessage() + "; choose a folder that can be created and written";
    }
    return ex.getMessage() == null ? ex.toString() : ex.getMessage();
  }

  /** The option that names providers of a kind. */
  private static String option(String kind) {
    return switch (kind) {
      case "sampler" -> "--samplers";
      case "objective" -> "--objective";
      default -> "--backend";
    };
  }

  private static String kebab(String field) {
    return field.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
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
        "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"
      };
    }
  }
}
