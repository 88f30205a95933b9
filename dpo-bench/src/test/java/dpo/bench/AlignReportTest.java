package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.core.align.Evaluation;
import dpo.core.align.SamplerComparison;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlignReportTest {

  @Test
  void anIntervalExcludingZeroIsMarkedOnlyFromTenSeeds() {
    List<SamplerComparison.Row> rows =
        List.of(
            new SamplerComparison.Row("mix-p", "vanilla", 0.25, 0.012, 0.004, 0.02, 9, 10),
            new SamplerComparison.Row("mix-p", "on-policy", 0.25, 0.012, 0.004, 0.02, 3, 3),
            new SamplerComparison.Row("hybrid", "vanilla", 0.25, 0.001, -0.004, 0.006, 6, 10));
    assertEquals(
        "| KL | sampler | minus | reward difference (mean) | 95% CI | seeds ahead |\n"
            + "|---:|---|---|---:|---:|---:|\n"
            + "| 0.250 | mix-p | vanilla | 0.012 | **[0.004, 0.020]** | 9/10 |\n"
            + "| 0.250 | mix-p | on-policy | 0.012 | [0.004, 0.020] | 3/3 |\n"
            + "| 0.250 | hybrid | vanilla | 0.001 | [-0.004, 0.006] | 6/10 |\n",
        AlignReport.comparisonTable(rows, true));
    assertEquals(
        "| sampler | minus | reward difference (mean) | 95% CI | seeds ahead |\n"
            + "|---|---|---:|---:|---:|\n"
            + "| mix-p | vanilla | 0.012 | **[0.004, 0.020]** | 9/10 |\n",
        AlignReport.comparisonTable(rows.subList(0, 1), false));
  }

  /** A run with (KL, reward) at iterations 1 and 2; iteration 0's reward is r1 - 0.1. */
  private static List<Evaluation> run(double kl1, double r1, double kl2, double r2) {
    return List.of(
        new Evaluation(0, r1 - 0.1, 0.3, 0.5, 0),
        new Evaluation(1, r1, 0.3, 0.5, kl1),
        new Evaluation(2, r2, 0.3, 0.5, kl2));
  }

  @Test
  void theMatchedKlSectionNamesTheLevelsLeftOutAndWhy() {
    // Iteration 1 is shared under each seed (KL 0.4 and 0.5); each seed's runs reach 0.9.
    Map<String, List<List<Evaluation>>> results = new LinkedHashMap<>();
    results.put("vanilla", List.of(run(0.4, 0.5, 0.9, 0.6), run(0.5, 0.45, 1.2, 0.55)));
    results.put("mix-p", List.of(run(0.4, 0.5, 1.0, 0.7), run(0.5, 0.45, 0.9, 0.65)));
    AlignReport report = new AlignReport(results);
    String md = report.markdown("setup");
    assertTrue(
        md.contains("equal steps from 0.400 (the smallest shared KL of a seed) to 0.900 nats"), md);
    assertTrue(md.contains("Left out, seed by seed: levels up to the largest KL"), md);
    assertTrue(md.contains("(0.400 to 0.500 nats over the seeds;"), md);
    assertTrue(
        md.contains(
            "The initial models (iteration 0) differ between the 2 seeds by a standard deviation"
                + " of 0.035 in reward (from 0.350 to 0.400)."),
        md);
    String csv = report.comparisonAtKlCsv();
    assertTrue(csv.startsWith("kl,sampler,minus,diff_mean,ci_low,ci_high,seeds_ahead,seeds\n"));
    assertEquals(List.of(0.525, 0.65, 0.775, 0.9), report.comparison().klLevels());
    assertTrue(csv.contains("\n0.525,mix-p,vanilla,"), csv);
    assertTrue(!md.contains("At no level do two seeds take part"), md);

    // Runs that never leave the shared stretch: no level, and the reason.
    Map<String, List<List<Evaluation>>> stuck = new LinkedHashMap<>();
    stuck.put("vanilla", List.of(run(0.5, 0.5, 0.45, 0.6)));
    stuck.put("mix-p", List.of(run(0.5, 0.5, 0.4, 0.55)));
    String none = new AlignReport(stuck).markdown("setup");
    assertTrue(
        none.contains(
            "No KL level is compared: under every seed, some run never goes beyond the KL of the"
                + " iterations all samplers share."),
        none);
  }
}
