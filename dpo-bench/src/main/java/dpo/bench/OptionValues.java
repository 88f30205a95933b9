package dpo.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The effective options of a parsed command, for the provenance of commands without a config record
 * of their own ({@code data convert}, {@code bench}): numbers and booleans as such, paths and ids
 * as text, values of other types as they were typed.
 */
final class OptionValues {
  private OptionValues() {}

  /** Option name (without dashes) or positional label (lower case) to its effective value. */
  static Map<String, Object> of(CommandSpec spec) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (PositionalParamSpec p : spec.positionalParameters()) {
      out.put(p.paramLabel().toLowerCase(java.util.Locale.ROOT), value(p));
    }
    for (OptionSpec o : spec.options()) {
      if (!o.usageHelp() && !o.versionHelp() && !o.hidden()) {
        out.put(o.longestName().replaceFirst("^-+", ""), value(o));
      }
    }
    return out;
  }

  private static Object value(ArgSpec arg) {
    Object v = arg.getValue();
    if (v == null || v instanceof Number || v instanceof Boolean || v instanceof String) {
      return v;
    }
    if (v instanceof Path p) {
      return p.toString();
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, String> copy = new LinkedHashMap<>();
      m.forEach((k, x) -> copy.put(String.valueOf(k), String.valueOf(x)));
      return copy;
    }
    if (v instanceof List<?> l && l.stream().allMatch(x -> x instanceof String)) {
      return l;
    }
    List<String> typed = arg.originalStringValues();
    return typed.isEmpty() ? arg.defaultValue() : typed.get(typed.size() - 1);
  }
}
