package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.core.align.Evaluation;
import dpo.core.bandit.BanditConfig;
import dpo.core.bandit.BanditExperiment;
import dpo.core.bandit.BanditResult;
import dpo.core.bandit.SamplerRun;
import dpo.core.metrics.Convergence;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.IntervalXYDataset;
import org.jfree.data.xy.XYDataset;
import org.junit.jupiter.api.Test;

/** The commands' figures hold the data of their results, on the axes the README describes. */
class FiguresTest {

  @Test
  void banditConvergenceHasParamDiffOverValueDiffOnLogAxesWithEverySamplerAndStep() {
    BanditConfig c = BanditConfig.PAPER_EXACT;
    List<SamplerRun> runs = new ArrayList<>();
    for (int s = 0; s < c.samplers().size(); s++) {
      double[] param = new double[c.steps() + 1];
      double[] value = new double[c.steps() + 1];
      for (int t = 0; t <= c.steps(); t++) {
        param[t] = Math.pow(10, -(s + 1) * t / 10.0);
        value[t] = 0.5 * param[t];
      }
      runs.add(
          new SamplerRun(
              c.samplers().get(s),
              param,
              new double[c.steps() + 1],
              value,
              new double[c.steps()],
              Convergence.of(param)));
    }
    BanditResult result =
        new BanditResult(
            c,
            BanditExperiment.gaussianRewards(1, 20, 1),
            "cpu",
            new dpo.api.backend.DeviceInfo("cpu", "Java Vector API", "17"),
            runs);

    JFreeChart chart = BanditFiles.convergence(result);
    assertTrue(chart.getTitle().getText().contains("beta 3, lr 10"), chart.getTitle().getText());
    List<XYPlot> panels = ((CombinedDomainXYPlot) chart.getXYPlot()).getSubplots();
    assertEquals(2, panels.size());
    assertTrue(panels.get(0).getRangeAxis().getLabel().startsWith("Param Diff"));
    assertTrue(panels.get(1).getRangeAxis().getLabel().startsWith("Value Diff"));
    for (int p = 0; p < 2; p++) {
      assertInstanceOf(LogAxis.class, panels.get(p).getRangeAxis());
      XYDataset data = panels.get(p).getDataset();
      assertEquals(3, data.getSeriesCount());
      for (int s = 0; s < 3; s++) {
        assertEquals(c.samplers().get(s), data.getSeriesKey(s));
        assertEquals(101, data.getItemCount(s));
        double[] expected = p == 0 ? runs.get(s).paramDiff() : runs.get(s).valueDiff();
        for (int t = 0; t <= 100; t++) {
          assertEquals(t, data.getXValue(s, t));
          assertEquals(expected[t], data.getYValue(s, t), 0);
        }
      }
    }
    assertEquals(
        1e-30,
        panels.get(0).getRangeAxis().getLowerBound(),
        1e-30,
        "the log axis reaches the smallest Param Diff, 1e-30");
    assertEquals(100, chart.getXYPlot().getDomainAxis().getUpperBound(), 1);
  }

  /** Two seeds of one iteration: KL 0.4 and 0.6, reward 0.7 and 0.8, from 0.6 at KL 0. */
  private static List<List<Evaluation>> twoVanillaSeeds() {
    return List.of(
        List.of(new Evaluation(0, 0.6, 0.6, 0.5, 0), new Evaluation(1, 0.7, 0.7, 0.6, 0.4)),
        List.of(new Evaluation(0, 0.6, 0.6, 0.5, 0), new Evaluation(1, 0.8, 0.8, 0.7, 0.6)));
  }

  @Test
  void rewardVsKlPlotsTheMeanOverSeedsWithOneSdErrorBars() {
    Map<String, List<List<Evaluation>>> results = new LinkedHashMap<>();
    results.put("vanilla", twoVanillaSeeds());
    results.put(
        "mix-p",
        List.of(
            List.of(new Evaluation(0, 0.6, 0.6, 0.5, 0), new Evaluation(1, 0.9, 0.9, 0.6, 1.0)),
            List.of(new Evaluation(0, 0.6, 0.6, 0.5, 0), new Evaluation(1, 0.9, 0.9, 0.7, 1.0))));

    XYPlot plot = new AlignReport(results).rewardVsKl().getXYPlot();
    for (int item = 0; item < 2; item++) {
      assertEquals(
          Integer.toString(item),
          plot.getRenderer()
              .getItemLabelGenerator(1, item)
              .generateLabel(plot.getDataset(), 1, item),
          "each point is labelled by its iteration");
    }
    assertEquals("average reward", plot.getRangeAxis().getLabel());
    assertTrue(plot.getDomainAxis().getLabel().startsWith("KL"));
    IntervalXYDataset data = (IntervalXYDataset) plot.getDataset();
    assertEquals("vanilla", data.getSeriesKey(0));
    assertEquals("mix-p", data.getSeriesKey(1));
    assertEquals(2, data.getItemCount(0), "iterations 0 and 1");
    double sd = Math.sqrt(0.005); // sample sd of {0.7, 0.8}; that of {0.4, 0.6} is twice it
    assertEquals(0.5, data.getXValue(0, 1), 1e-12);
    assertEquals(0.5 - 2 * sd, data.getStartXValue(0, 1), 1e-12);
    assertEquals(0.75, data.getYValue(0, 1), 1e-12);
    assertEquals(0.75 + sd, data.getEndYValue(0, 1), 1e-12);
    assertEquals(0.9, data.getStartYValue(1, 1), 1e-12, "equal seeds: no error bar");
    assertTrue(plot.getRangeAxis().getRange().contains(0.75 + sd));
  }

  @Test
  void rewardVsKlBandsInterpolateEachSeedAndBootstrapTheMean() {
    Map<String, List<List<Evaluation>>> results = new LinkedHashMap<>();
    // Seed 1 reaches KL 0.4, seed 2 KL 0.6: the band goes up to 0.4, where seed 1 has 0.7 and
    // seed 2 (two thirds of the way to 0.8) 0.6 + 2/3 * 0.2.
    results.put("vanilla", twoVanillaSeeds());
    XYPlot plot = new AlignReport(results).rewardVsKlBands().getXYPlot();
    IntervalXYDataset data = (IntervalXYDataset) plot.getDataset();
    int last = data.getItemCount(0) - 1;
    assertEquals(20, last, "21 points from KL 0 to the common reach");
    assertEquals(0.4, data.getXValue(0, last), 1e-12);
    double seed2 = 0.6 + 0.2 * 0.4 / 0.6;
    assertEquals((0.7 + seed2) / 2, data.getYValue(0, last), 1e-12);
    // Two seeds: the bootstrap means are 0.7, the mean or seed 2's value.
    assertEquals(0.7, data.getStartYValue(0, last), 1e-12);
    assertEquals(seed2, data.getEndYValue(0, last), 1e-12);
    assertEquals(0.6, data.getStartYValue(0, 0), 1e-12, "KL 0: both seeds at the initial model");
    assertEquals(0.6, data.getEndYValue(0, 0), 1e-12);
  }
}
