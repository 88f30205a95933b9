package dpo.bench;

import dpo.api.backend.StepSize;
import dpo.bench.chart.Charts;
import dpo.core.bandit.BanditConfig;
import dpo.core.bandit.BanditExperiment;
import dpo.core.bandit.BanditReport;
import dpo.core.bandit.BanditResult;
import dpo.core.bandit.SamplerRun;
import dpo.core.provenance.RunRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.JFreeChart;

/**
 * Renders a tabular study's result as the files of {@code dpo bandit}: metrics.csv, the convergence
 * figure (PNG and SVG) and run.json.
 */
final class BanditFiles {
  private BanditFiles() {}

  /** File name to content, in the order they are written. */
  static Map<String, byte[]> files(BanditExperiment.Result result) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("metrics.csv", BanditReport.metricsCsv(result.runs()));
    files.putAll(Charts.files("convergence", convergence(result.runs()), 1200, 900));
    files.put(RunRecord.FILE, result.record().toJson());
    return files;
  }

  /** Param Diff over Value Diff, both on log axes, against the update count. */
  static JFreeChart convergence(BanditResult result) {
    List<Charts.Line> paramDiff = new ArrayList<>();
    List<Charts.Line> valueDiff = new ArrayList<>();
    for (SamplerRun run : result.runs()) {
      paramDiff.add(new Charts.Line(run.sampler(), run.paramDiff()));
      valueDiff.add(new Charts.Line(run.sampler(), run.valueDiff()));
    }
    BanditConfig c = result.config();
    String lr = c.lr() instanceof StepSize.Fixed f ? "lr " + fmt(f.learningRate()) : "Newton step";
    String title =
        String.format(
            Locale.ROOT,
            "Tabular DPO, %s gradients: %d prompt%s x %d responses, beta %s, %s%s, seed %d",
            c.mode().name().toLowerCase(Locale.ROOT),
            c.prompts(),
            c.prompts() == 1 ? "" : "s",
            c.responses(),
            fmt(c.beta()),
            lr,
            c.mode() == BanditConfig.Mode.EMPIRICAL ? ", " + c.pairs() + " pairs/step" : "",
            c.seed());
    return Charts.stackedSteps(
        title,
        "update t",
        List.of(
            new Charts.Panel(
                "Param Diff: mean |(r - beta log pi)_y - (r - beta log pi)_y'|", true, paramDiff),
            new Charts.Panel("Value Diff: V(pi*) - V(pi)", true, valueDiff)));
  }

  private static String fmt(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : Double.toString(v);
  }
}
