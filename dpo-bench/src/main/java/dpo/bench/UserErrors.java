package dpo.bench;

import dpo.api.BackendException;
import dpo.api.BadDataException;
import dpo.api.ConfigurationException;
import dpo.api.DpoException;
import dpo.api.OracleException;
import dpo.api.ProviderNotFoundException;
import dpo.api.TrainingDivergedException;
import dpo.core.registry.MissingCapabilityException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The one mapping from a failure to the option a user must change, and its exit code: 2 for bad
 * input, 3 for divergence, 1 only for our own bugs.
 *
 * <p>The option is found from the failure's kind, never from the command that happened to run: a
 * configuration violation names a field (a config record component, kebab-cased to the option of
 * the same name, or mapped by the command's {@link Fields}); a missing provider names its kind
 * (sampler, objective, backend, oracle, task); bad data and I/O failures name a file, matched to
 * the option whose path is that file or a folder above it. A failure that maps to no option of the
 * command is reported without one.
 */
final class UserErrors {
  static final int EXIT_BUG = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_DIVERGED = 3;

  /** A command whose config fields do not all share the names of its options. */
  interface Fields {
    /**
     * Config field (or field prefix ending in '.') to option, e.g. "learningRate" to "--lr",
     * "oracle." to "--oracle-option".
     *
     * @return the mapping
     */
    Map<String, String> fieldOptions();
  }

  /** A command that trains, and so can diverge. */
  interface Trains {
    /**
     * What to change when training diverged, naming this command's options.
     *
     * @return e.g. "lower --lr"
     */
    String divergenceFix();
  }

  private UserErrors() {}

  static int exitCode(Exception ex) {
    if (ex instanceof TrainingDivergedException) {
      return EXIT_DIVERGED;
    }
    if (ex instanceof DpoException || ex instanceof UncheckedIOException) {
      return EXIT_USAGE;
    }
    return EXIT_BUG;
  }

  /** The one-line message: "--option: what is wrong and the fix". */
  static String message(Exception ex, CommandLine c) {
    CommandSpec spec = c.getCommandSpec();
    Object command = spec.userObject();
    if (ex instanceof ConfigurationException ce) {
      return ce.violations().stream()
          .map(v -> withOption(optionOfField(spec, v.field()), v.field(), v.message()))
          .collect(Collectors.joining("; "));
    }
    if (ex instanceof ProviderNotFoundException pe) {
      String near =
          Suggestions.nearest(pe.requestedId(), pe.availableIds())
              .map(n -> " (did you mean '" + n + "'?)")
              .orElse("");
      return withOption(optionOfKind(spec, pe.kind()), null, pe.getMessage() + near);
    }
    if (ex instanceof MissingCapabilityException me) {
      return withOption(optionOfKind(spec, me.kind()), null, me.getMessage());
    }
    if (ex instanceof BadDataException bad) {
      return withOption(optionOfPath(spec, bad.file()), null, bad.getMessage());
    }
    if (ex instanceof OracleException) {
      return withOption(optionOfKind(spec, "oracle"), null, ex.getMessage());
    }
    if (ex instanceof BackendException) {
      return withOption(optionOfKind(spec, "backend"), null, ex.getMessage());
    }
    if (ex instanceof TrainingDivergedException) {
      String fix = command instanceof Trains t ? t.divergenceFix() : "lower the learning rate";
      return ex.getMessage() + "; training diverged: " + fix;
    }
    if (ex instanceof UncheckedIOException io) {
      Path file =
          io.getCause() instanceof FileSystemException fs && fs.getFile() != null
              ? Path.of(fs.getFile())
              : null;
      return withOption(file == null ? null : optionOfPath(spec, file), null, io.getMessage());
    }
    return ex.getMessage() == null ? ex.toString() : ex.getMessage();
  }

  private static String withOption(String option, String field, String message) {
    if (option != null) {
      // "beta must be > 0" (or "--beta must be > 0") reads "--beta: must be > 0": the option
      // replaces the field's name.
      String named =
          message.startsWith(option + " ")
              ? option
              : field != null && message.startsWith(field + " ") ? field : null;
      return option + ": " + (named == null ? message : message.substring(named.length() + 1));
    }
    return field == null ? message : field + ": " + message;
  }

  /** The option of a config field: the command's own mapping first, then the same name. */
  static String optionOfField(CommandSpec spec, String field) {
    if (spec.userObject() instanceof Fields f) {
      Map<String, String> map = f.fieldOptions();
      if (map.containsKey(field)) {
        return map.get(field);
      }
      for (Map.Entry<String, String> e : map.entrySet()) {
        if (e.getKey().endsWith(".") && field.startsWith(e.getKey())) {
          return e.getValue() + " " + field.substring(e.getKey().length());
        }
      }
    }
    String kebab = "--" + field.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    return spec.findOption(kebab) != null ? kebab : null;
  }

  /** The option that names providers (or tasks) of a kind, if the command has it. */
  static String optionOfKind(CommandSpec spec, String kind) {
    for (String name : new String[] {"--" + kind + "s", "--" + kind}) {
      if (spec.findOption(name) != null) {
        return name;
      }
    }
    return null;
  }

  /** The option whose path value is the file or a folder above it. */
  static String optionOfPath(CommandSpec spec, Path file) {
    if (file == null) {
      return null;
    }
    Path target = file.toAbsolutePath().normalize();
    String best = null;
    int bestDepth = -1;
    for (OptionSpec o : spec.options()) {
      Object v = o.getValue();
      // An option takes one path (--model DIR) or several (--data FILE...).
      Collection<?> values =
          v instanceof Collection<?> many ? many : java.util.List.of(v == null ? "" : v);
      for (Object each : values) {
        if (each instanceof Path p) {
          Path abs = p.toAbsolutePath().normalize();
          if (target.startsWith(abs) && abs.getNameCount() > bestDepth) {
            best = o.longestName();
            bestDepth = abs.getNameCount();
          }
        }
      }
    }
    return best;
  }

  /** Nearest names, for unknown subcommands, options and ids. */
  static final class Suggestions {
    private Suggestions() {}

    /**
     * The candidate closest to a mistyped name, if it is close enough to be what was meant: at most
     * a third of the name's length in edits (at least 2), or a prefix either way.
     */
    static Optional<String> nearest(String typed, Collection<String> candidates) {
      String best = null;
      int bestDistance = Integer.MAX_VALUE;
      for (String c : candidates) {
        int d = distance(typed.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
        if (d < bestDistance) {
          best = c;
          bestDistance = d;
        }
      }
      if (best == null) {
        return Optional.empty();
      }
      boolean prefix = best.startsWith(typed) || typed.startsWith(best);
      return bestDistance <= Math.max(2, typed.length() / 3) || prefix
          ? Optional.of(best)
          : Optional.empty();
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions, swaps. */
    static int distance(String a, String b) {
      int[][] d = new int[a.length() + 1][b.length() + 1];
      for (int i = 0; i <= a.length(); i++) {
        d[i][0] = i;
      }
      for (int j = 0; j <= b.length(); j++) {
        d[0][j] = j;
      }
      for (int i = 1; i <= a.length(); i++) {
        for (int j = 1; j <= b.length(); j++) {
          int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
          d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
          if (i > 1
              && j > 1
              && a.charAt(i - 1) == b.charAt(j - 2)
              && a.charAt(i - 2) == b.charAt(j - 1)) {
            d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
          }
        }
      }
      return d[a.length()][b.length()];
    }
  }
}
