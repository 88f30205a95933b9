package dpo.bench;

import dpo.api.Provider;
import dpo.core.DpoRuntime;
import dpo.core.provenance.Provenance;
import dpo.core.registry.ProviderRegistry;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code dpo backends}, {@code dpo samplers}, {@code dpo objectives} and {@code dpo oracles}: what
 * discovery found, as a table (id, priority, capabilities, version, source jar, description),
 * followed by the providers that failed to load.
 */
abstract class ProvidersCommand implements Callable<Integer> {
  private static final List<String> HEADER =
      List.of("id", "priority", "capabilities", "version", "source", "description");

  private static final String FOOTER =
      "Providers come from the dpo jar, from jars in plugins/ beside the dpo script and from"
          + " DPO_CLASSPATH. Version: the jar's manifest or Maven descriptor; 'unknown' for a"
          + " plugin jar that states none.";

  @Spec CommandSpec spec;

  private final com.google.inject.Provider<DpoRuntime> runtime;

  ProvidersCommand(com.google.inject.Provider<DpoRuntime> runtime) {
    this.runtime = runtime;
  }

  /** The registry this command lists. */
  abstract ProviderRegistry<? extends Provider> registry(DpoRuntime runtime);

  @Override
  public Integer call() {
    ProviderRegistry<? extends Provider> registry = registry(runtime.get());
    PrintWriter out = spec.commandLine().getOut();
    List<List<String>> rows = new ArrayList<>();
    rows.add(HEADER);
    for (Provider p : registry.all()) {
      Provenance.Origin origin = Provenance.origin(p.getClass());
      rows.add(
          List.of(
              p.id(),
              Integer.toString(p.priority()),
              capabilities(p),
              origin.version(),
              origin.source(),
              p.description()));
    }
    if (rows.size() == 1) {
      out.println(
          "no "
              + registry.kind()
              + " providers found on the class path; see the README's"
              + " \"Adding a sampler\" for how plugins are found");
    } else {
      print(out, rows);
    }
    if (!registry.problems().isEmpty()) {
      out.println();
      out.println("problems (these providers are skipped):");
      for (String problem : registry.problems()) {
        out.println("  " + problem);
      }
    }
    out.flush();
    return 0;
  }

  /** Capabilities in declaration order, kebab-case, comma-separated; "-" for none. */
  private static String capabilities(Provider p) {
    String caps =
        p.capabilities().stream()
            .sorted()
            .map(c -> c.name().toLowerCase(Locale.ROOT).replace('_', '-'))
            .collect(Collectors.joining(","));
    return caps.isEmpty() ? "-" : caps;
  }

  /** Left-aligned columns two spaces apart; the last column (description) is not padded. */
  private static void print(PrintWriter out, List<List<String>> rows) {
    int columns = HEADER.size();
    int[] width = new int[columns];
    for (List<String> row : rows) {
      for (int c = 0; c < columns - 1; c++) {
        width[c] = Math.max(width[c], row.get(c).length());
      }
    }
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < columns - 1; c++) {
        line.append(row.get(c)).append(" ".repeat(width[c] - row.get(c).length() + 2));
      }
      out.println(line.append(row.get(columns - 1)).toString().stripTrailing());
    }
  }

  /** {@code dpo backends}. */
  @Command(
      name = "backends",
      mixinStandardHelpOptions = true,
      usageHelpWidth = 100,
      description = "List the policy backends found, for --backend.",
      footer = {"", FOOTER})
  static final class Backends extends ProvidersCommand {
    @Inject
    Backends(com.google.inject.Provider<DpoRuntime> runtime) {
      super(runtime);
    }

    @Override
    ProviderRegistry<? extends Provider> registry(DpoRuntime runtime) {
      return runtime.backends();
    }
  }

  /** {@code dpo samplers}. */
  @Command(
      name = "samplers",
      mixinStandardHelpOptions = true,
      usageHelpWidth = 100,
      description = "List the samplers found, for --samplers.",
      footer = {"", FOOTER})
  static final class Samplers extends ProvidersCommand {
    @Inject
    Samplers(com.google.inject.Provider<DpoRuntime> runtime) {
      super(runtime);
    }

    @Override
    ProviderRegistry<? extends Provider> registry(DpoRuntime runtime) {
      return runtime.samplers();
    }
  }

  /** {@code dpo objectives}. */
  @Command(
      name = "objectives",
      mixinStandardHelpOptions = true,
      usageHelpWidth = 100,
      description = "List the objectives (per-pair losses) found, for --objective.",
      footer = {"", FOOTER})
  static final class Objectives extends ProvidersCommand {
    @Inject
    Objectives(com.google.inject.Provider<DpoRuntime> runtime) {
      super(runtime);
    }

    @Override
    ProviderRegistry<? extends Provider> registry(DpoRuntime runtime) {
      return runtime.objectives();
    }
  }

  /** {@code dpo oracles}. */
  @Command(
      name = "oracles",
      mixinStandardHelpOptions = true,
      usageHelpWidth = 100,
      description = "List the reward oracles found, for --oracle.",
      footer = {"", FOOTER})
  static final class Oracles extends ProvidersCommand {
    @Inject
    Oracles(com.google.inject.Provider<DpoRuntime> runtime) {
      super(runtime);
    }

    @Override
    ProviderRegistry<? extends Provider> registry(DpoRuntime runtime) {
      return runtime.oracles();
    }
  }
}
