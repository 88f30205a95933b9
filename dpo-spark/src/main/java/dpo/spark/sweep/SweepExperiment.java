package dpo.spark.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.io.DurableFiles;
import dpo.core.DpoRuntime;
import dpo.core.bandit.BanditOptions;
import dpo.core.bandit.BanditReport;
import dpo.core.bandit.SamplerRun;
import dpo.core.metrics.Convergence;
import dpo.core.provenance.RunRecord;
import dpo.datasets.parquet.ParquetColumn;
import dpo.datasets.parquet.ParquetRowWriter;
import dpo.spark.SparkSessions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A sweep of the tabular study: every cell of a grid as one Spark task, each cell's result kept in
 * {@code cells/ID.json} as it arrives (so that a rerun computes only the cells that are missing),
 * then the results gathered into {@code results.parquet}, {@code results.csv}, {@code summary.csv}
 * and {@code run.json}.
 */
public final class SweepExperiment {
  /** The folder, in the output folder, of the finished cells. */
  public static final String CELLS = "cells";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final DpoRuntime runtime;
  private final Clock clock;

  /**
   * A sweep whose provenance names the driver's providers.
   *
   * @param runtime the providers on the driver (executors find their own)
   * @param clock times the run
   */
  public SweepExperiment(DpoRuntime runtime, Clock clock) {
    this.runtime = runtime;
    this.clock = clock;
  }

  /**
   * What a sweep produced.
   *
   * @param cells every cell's result, in the grid's order
   * @param computed how many cells this run computed
   * @param reused how many were found finished in {@code cells/}
   * @param record the provenance (run.json)
   */
  public record Result(List<CellResult> cells, int computed, int reused, RunRecord record) {}

  /**
   * Runs the cells of the grid that {@code out/cells} does not hold yet and writes the results.
   *
   * @param grid the grid
   * @param out the output folder (claimed by the caller)
   * @param master the Spark master
   * @param partitions tasks to split the missing cells into; 0 for one task per cell
   * @param sparkSettings further Spark settings (see {@link SparkSessions#open})
   * @return the results
   */
  public Result run(
      SweepGrid grid, Path out, String master, int partitions, Map<String, String> sparkSettings) {
    Instant started = clock.instant();
    Path cellsDir = out.resolve(CELLS);
    List<SweepCell> cells = grid.cells();
    Map<String, CellResult> done = new LinkedHashMap<>();
    List<SweepCell> missing = new ArrayList<>();
    try {
      Files.createDirectories(cellsDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (SweepCell cell : cells) {
      CellResult found = readCell(cellsDir, cell);
      if (found != null) {
        done.put(cell.id(), found);
      } else {
        missing.add(cell);
      }
    }
    int reused = done.size();
    if (!missing.isEmpty()) {
      try (JavaSparkContext spark = SparkSessions.open(master, out, "dpo sweep", sparkSettings)) {
        SweepJobs.run(
            spark,
            missing,
            partitions > 0 ? partitions : missing.size(),
            result -> {
              writeCell(cellsDir, result);
              done.put(result.id(), result);
            });
      }
    }
    List<CellResult> results = new ArrayList<>();
    for (SweepCell cell : cells) {
      results.add(done.get(cell.id()));
    }
    writeResults(grid, out, results);
    RunRecord record =
        provenance(grid, master, partitions, results, missing.size(), reused, started);
    record.writeTo(out);
    return new Result(results, missing.size(), reused, record);
  }

  /** The finished cell in the folder, or null if it is missing, unreadable or of other options. */
  static CellResult readCell(Path cellsDir, SweepCell cell) {
    Path file = cellsDir.resolve(cell.id() + ".json");
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      CellResult r = JSON.readValue(file.toFile(), CellResult.class);
      return r.options().equals(cell.options()) && r.paramDiff() != null ? r : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static void writeCell(Path cellsDir, CellResult result) {
    try {
      DurableFiles.write(cellsDir.resolve(result.id() + ".json"), JSON.writeValueAsBytes(result));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The grid's columns: its keys, with {@code samplers} named {@code sampler}. */
  static List<String> optionColumns(SweepGrid grid) {
    return grid.keys().stream().map(k -> k.equals("samplers") ? "sampler" : k).toList();
  }

  /** A key's column type: long if every value is a whole number, double if a number, else text. */
  private static String columnType(List<String> values) {
    if (values.stream().allMatch(v -> v.matches("-?\\d{1,18}"))) {
      return "long";
    }
    if (values.stream().allMatch(v -> v.matches("-?[0-9.]+([eE][-+]?\\d+)?"))) {
      return "double";
    }
    return "string";
  }

  private static void writeResults(SweepGrid grid, Path out, List<CellResult> results) {
    List<String> columns = optionColumns(grid);
    List<ParquetColumn> parquet = new ArrayList<>();
    List<String> types = new ArrayList<>();
    for (String key : grid.keys()) {
      String type = columnType(grid.values().get(key));
      types.add(type);
      parquet.add(ParquetColumn.of(key.equals("samplers") ? "sampler" : key, type));
    }
    parquet.add(ParquetColumn.of("step", "long"));
    parquet.add(ParquetColumn.of("param_diff", "double"));
    parquet.add(ParquetColumn.of("value", "double"));
    parquet.add(ParquetColumn.of("value_diff", "double"));

    StringBuilder csv = new StringBuilder(String.join(",", columns));
    csv.append(",step,param_diff,value,value_diff\n");
    StringBuilder summary = new StringBuilder(String.join(",", columns));
    summary.append(",final_param_diff,steps_to_1e-6,steps_to_1e-10,order\n");
    try (ParquetRowWriter writer = new ParquetRowWriter(out.resolve("results.parquet"), parquet)) {
      for (CellResult r : results) {
        StringBuilder prefix = new StringBuilder();
        for (String key : grid.keys()) {
          prefix.append(csvField(r.options().get(key))).append(',');
        }
        for (int t = 0; t < r.paramDiff().length; t++) {
          csv.append(prefix)
              .append(t)
              .append(',')
              .append(r.paramDiff()[t])
              .append(',')
              .append(r.value()[t])
              .append(',')
              .append(r.valueDiff()[t])
              .append('\n');
          ObjectNode row = JSON.createObjectNode();
          for (int k = 0; k < grid.keys().size(); k++) {
            String v = r.options().get(grid.keys().get(k));
            switch (types.get(k)) {
              case "long" -> row.put(columns.get(k), Long.parseLong(v));
              case "double" -> row.put(columns.get(k), Double.parseDouble(v));
              default -> row.put(columns.get(k), v);
            }
          }
          row.put("step", t);
          row.put("param_diff", r.paramDiff()[t]);
          row.put("value", r.value()[t]);
          row.put("value_diff", r.valueDiff()[t]);
          writer.write(row);
        }
        Convergence c = Convergence.of(r.paramDiff());
        summary
            .append(prefix)
            .append(c.finalError())
            .append(',')
            .append(c.stepsTo1e6().isPresent() ? c.stepsTo1e6().getAsInt() : "")
            .append(',')
            .append(c.stepsTo1e10().isPresent() ? c.stepsTo1e10().getAsInt() : "")
            .append(',')
            .append(c.order().isPresent() ? c.order().getAsDouble() : "")
            .append('\n');
      }
      writer.commit();
    }
    DurableFiles.write(out.resolve("results.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
    DurableFiles.write(
        out.resolve("summary.csv"), summary.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static String csvField(String v) {
    return v.contains(",") || v.contains("\"") ? '"' + v.replace("\"", "\"\"") + '"' : v;
  }

  /**
   * The trajectories as the study's runs, each labelled with its sampler and the options the grid
   * varies, for {@link dpo.core.bandit.BanditReport#table(List)}.
   *
   * @param grid the grid
   * @param results the results
   * @return the runs
   */
  public static List<SamplerRun> labelled(SweepGrid grid, List<CellResult> results) {
    List<SamplerRun> runs = new ArrayList<>();
    for (CellResult r : results) {
      StringBuilder label = new StringBuilder(r.sampler());
      for (String key : grid.keys()) {
        if (!key.equals("samplers") && grid.values().get(key).size() > 1) {
          label.append(' ').append(key).append('=').append(r.options().get(key));
        }
      }
      runs.add(r.asRun(label.toString()));
    }
    return runs;
  }

  private RunRecord provenance(
      SweepGrid grid,
      String master,
      int partitions,
      List<CellResult> results,
      int computed,
      int reused,
      Instant started) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("grid", grid.file().toString());
    config.put("grid_values", grid.values());
    config.put("master", master);
    config.put("partitions", partitions);
    config.put("cells", results.size());

    Set<String> samplers = new LinkedHashSet<>(grid.values().get("samplers"));
    CellResult first = results.get(0);
    String objective = first.options().getOrDefault("objective", BanditOptions.OBJECTIVE);
    RunRecord.Providers providers =
        new RunRecord.Providers(
            runtime.backends().ids().contains(first.backend())
                ? RunRecord.ProviderInfo.of(runtime.backends().get(first.backend()))
                : null,
            RunRecord.ProviderInfo.of(runtime.objectives().get(objective)),
            null,
            samplers.stream()
                .map(id -> RunRecord.ProviderInfo.of(runtime.samplers().get(id)))
                .toList());

    List<Map<String, Object>> cells = new ArrayList<>();
    for (CellResult r : results) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("id", r.id());
      s.put("options", r.options());
      s.put("backend", r.backend());
      s.putAll(BanditReport.summary(r.asRun(r.sampler())));
      cells.add(s);
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("computed", computed);
    summary.put("reused", reused);
    summary.put("cells", cells);
    return RunRecord.start(
            "sweep",
            started,
            config,
            providers,
            new RunRecord.Device(first.device(), first.engine(), first.engineVersion()),
            List.of(new RunRecord.Input("grid", grid.file().toString(), grid.sha256())))
        .finish(clock.instant(), summary);
  }
}
