package dpo.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.data.DataFormat;
import dpo.api.data.DataRecord;
import dpo.datasets.format.DatasetReader;
import dpo.datasets.format.DatasetSummary;
import dpo.datasets.format.Datasets;
import dpo.datasets.io.RowSources;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dpo data inspect}: format, row count, field statistics and the first rows of a file. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Read a whole dataset file, checking every row, and print its format, its row count, field"
          + " statistics (lengths in characters, message counts, reward ranges, label balance)"
          + " and its first rows as read.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  dpo data inspect pku_saferlhf_train.jsonl",
      "  dpo data inspect pairs.json --format trl --rows 5"
    })
final class DataInspectCommand implements Callable<Integer> {
  private static final int MAX_SHOWN_CHARS = 80;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The dataset file.")
  Path file;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      converter = DataCommand.FormatConverter.class,
      description = "The row format (default: detected from the first row's fields).")
  DataFormat format;

  @Option(
      names = "--rows",
      paramLabel = "N",
      defaultValue = "3",
      description = "How many rows to show (default: ${DEFAULT-VALUE}).")
  int rows;

  @Option(
      names = "--max-row-chars",
      paramLabel = "N",
      defaultValue = "" + RowSources.DEFAULT_MAX_ROW_CHARS,
      description = "The longest row accepted, in characters (default: ${DEFAULT-VALUE}).")
  long maxRowChars;

  @Override
  public Integer call() {
    if (rows < 0) {
      throw new ParameterException(spec.commandLine(), "--rows must be >= 0, got " + rows);
    }
    if (maxRowChars < 1) {
      throw new ParameterException(
          spec.commandLine(), "--max-row-chars must be >= 1, got " + maxRowChars);
    }
    DatasetSummary summary = new DatasetSummary();
    List<String> shown = new ArrayList<>();
    DataFormat read;
    boolean detected;
    try (DatasetReader<DataRecord> in = Datasets.open(file, format, maxRowChars)) {
      read = in.format();
      detected = in.formatDetected();
      for (DataRecord r = in.next(); r != null; r = in.next()) {
        summary.add(r);
        if (shown.size() < rows) {
          shown.add("  " + in.location().describe() + ": " + shorten(Datasets.toRow(read, r)));
        }
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println("file     " + file);
    out.println(
        "format   " + read.id() + (detected ? " (detected from the fields of the first row)" : ""));
    out.println("rows     " + summary.rows());
    printNumbers(out, summary.numbers());
    printLabels(out, summary.labels());
    if (!shown.isEmpty()) {
      out.println();
      out.println(
          "first "
              + (shown.size() == 1 ? "row" : shown.size() + " rows")
              + " (as read; long strings shortened):");
      shown.forEach(out::println);
    }
    out.flush();
    return 0;
  }

  private static void printNumbers(PrintWriter out, Map<String, DatasetSummary.Stats> numbers) {
    if (numbers.isEmpty()) {
      return;
    }
    int width = Math.max(5, numbers.keySet().stream().mapToInt(String::length).max().orElse(0));
    out.println();
    out.printf(
        Locale.ROOT,
        "%-" + width + "s %8s %10s %10s %10s%n",
        "field",
        "count",
        "min",
        "mean",
        "max");
    numbers.forEach(
        (field, s) ->
            out.printf(
                Locale.ROOT,
                "%-" + width + "s %8d %10s %10s %10s%n",
                field,
                s.count(),
                number(s.min()),
                number(s.mean()),
                number(s.max())));
  }

  private static void printLabels(PrintWriter out, Map<String, Map<String, Long>> labels) {
    if (labels.isEmpty()) {
      return;
    }
    int width = Math.max(5, labels.keySet().stream().mapToInt(String::length).max().orElse(0));
    out.println();
    out.printf(Locale.ROOT, "%-" + width + "s %s%n", "label", "values");
    labels.forEach(
        (field, counts) -> {
          long total = counts.values().stream().mapToLong(Long::longValue).sum();
          String values =
              counts.entrySet().stream()
                  .map(
                      e ->
                          String.format(
                              Locale.ROOT,
                              "%s: %d (%.1f%%)",
                              e.getKey(),
                              e.getValue(),
                              100.0 * e.getValue() / total))
                  .collect(Collectors.joining(", "));
          out.printf(Locale.ROOT, "%-" + width + "s %s%n", field, values);
        });
  }

  /** Integers as integers, anything else to four significant digits without trailing zeros. */
  private static String number(double x) {
    if (x == Math.rint(x) && Math.abs(x) < 1e15) {
      return Long.toString((long) x);
    }
    if (Math.abs(x) >= 1e6 || Math.abs(x) < 1e-4) {
      return String.format(Locale.ROOT, "%.4g", x);
    }
    return new BigDecimal(x).round(new MathContext(4)).stripTrailingZeros().toPlainString();
  }

  /** The row as compact JSON, with long strings cut so that each row stays readable. */
  private static String shorten(JsonNode node) {
    return shortened(node).toString();
  }

  private static JsonNode shortened(JsonNode node) {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    if (node.isTextual()) {
      String text = node.textValue();
      int length = text.codePointCount(0, text.length());
      return length <= MAX_SHOWN_CHARS
          ? node
          : nodes.textNode(
              text.substring(0, text.offsetByCodePoints(0, MAX_SHOWN_CHARS))
                  + "... ("
                  + length
                  + " chars)");
    }
    if (node.isArray()) {
      ArrayNode copy = nodes.arrayNode(node.size());
      node.forEach(item -> copy.add(shortened(item)));
      return copy;
    }
    if (node.isObject()) {
      ObjectNode copy = nodes.objectNode();
      node.properties().forEach(e -> copy.set(e.getKey(), shortened(e.getValue())));
      return copy;
    }
    return node;
  }
}
