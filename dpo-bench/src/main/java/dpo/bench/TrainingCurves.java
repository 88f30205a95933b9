package dpo.bench;

import dpo.api.io.DurableFiles;
import dpo.bench.chart.Charts;
import dpo.core.training.TrainingLoop;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The curves of a training run's {@code metrics.jsonl}: one panel per metric, the training value at
 * every step and the held-out value ({@code eval_} prefix) joined between its evaluations.
 */
final class TrainingCurves {
  private TrainingCurves() {}

  /**
   * The chart files (PNG and SVG) of metrics.
   *
   * @param name file name without extension
   * @param title the figure's title
   * @param metrics the lines of metrics.jsonl
   * @param names the metrics, one panel each, top to bottom
   * @return file name to bytes
   */
  static Map<String, byte[]> files(
      String name, String title, List<Map<String, Object>> metrics, List<String> names) {
    int steps = 0;
    for (Map<String, Object> row : metrics) {
      steps = Math.max(steps, ((Number) row.get("step")).intValue());
    }
    List<Charts.Panel> panels = new ArrayList<>();
    for (String metric : names) {
      double[] train = series(metrics, metric, steps);
      double[] eval = joined(series(metrics, "eval_" + metric, steps));
      panels.add(
          new Charts.Panel(
              metric,
              false,
              List.of(new Charts.Line("train", train), new Charts.Line("held-out", eval))));
    }
    return Charts.files(name, Charts.stackedSteps(title, "step", panels), 900, 300 * names.size());
  }

  /**
   * Ends a training command's run: a run stopped early says how to resume; a complete one closes
   * the progress bar with its step count and loss and writes {@code loss.png} and {@code loss.svg}
   * of the metrics into the output folder.
   *
   * @param outcome the training loop's outcome
   * @param bar the command's progress bar
   * @param stdout the command's output
   * @param folder the output folder
   * @param title the figure's title
   * @param names the metrics drawn, one panel each
   * @return whether the run is complete
   */
  static boolean finish(
      TrainingLoop.Outcome outcome,
      ProgressBar bar,
      PrintWriter stdout,
      Path folder,
      String title,
      List<String> names) {
    if (!outcome.complete()) {
      stdout.println(
          "stopped after step " + outcome.steps() + "; rerun the same command to resume");
      stdout.flush();
      return false;
    }
    bar.endRun(
        String.format(Locale.ROOT, "%d steps, loss %.4f", outcome.steps(), outcome.last("loss")));
    DurableFiles.writeAll(folder, files("loss", title, outcome.metrics(), names));
    return true;
  }

  /** The value of a metric at steps 0..steps (NaN where the metrics have none). */
  private static double[] series(List<Map<String, Object>> metrics, String metric, int steps) {
    double[] y = new double[steps + 1];
    java.util.Arrays.fill(y, Double.NaN);
    for (Map<String, Object> row : metrics) {
      if (row.get(metric) instanceof Number n) {
        y[((Number) row.get("step")).intValue()] = n.doubleValue();
      }
    }
    return y;
  }

  /** Straight lines between the measured points, so that sparse evaluations draw a line. */
  private static double[] joined(double[] y) {
    double[] out = y.clone();
    int previous = -1;
    for (int t = 0; t < y.length; t++) {
      if (Double.isNaN(y[t])) {
        continue;
      }
      if (previous >= 0) {
        for (int s = previous + 1; s < t; s++) {
          out[s] = y[previous] + (y[t] - y[previous]) * (s - previous) / (t - previous);
        }
      }
      previous = t;
    }
    return out;
  }
}
