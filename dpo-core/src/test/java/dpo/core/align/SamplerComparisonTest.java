package dpo.core.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.core.metrics.Bootstrap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SamplerComparisonTest {

  /** A run with (KL, reward) at iterations 0, 1, 2. */
  private static List<Evaluation> run(double... klReward) {
    return List.of(
        new Evaluation(0, klReward[1], 0, 0.5, klReward[0]),
        new Evaluation(1, klReward[3], 0, 0.5, klReward[2]),
        new Evaluation(2, klReward[5], 0, 0.5, klReward[4]));
  }

  private static Map<String, List<List<Evaluation>>> results() {
    Map<String, List<List<Evaluation>>> r = new LinkedHashMap<>();
    r.put(
        "a",
        List.of(
            run(0, 0.4, 0.4, 0.5, 0.8, 0.6),
            run(0, 0.5, 0.2, 0.6, 0.6, 0.7),
            run(0, 0.3, 0.5, 0.4, 1.0, 0.5)));
    r.put(
        "b",
        List.of(
            run(0, 0.4, 0.4, 0.6, 0.8, 0.7),
            run(0, 0.5, 0.4, 0.7, 0.7, 0.75),
            run(0, 0.3, 0.5, 0.35, 0.9, 0.52)));
    return r;
  }

  @Test
  void finalRewardIsComparedSeedBySeed() {
    SamplerComparison c = SamplerComparison.of(results(), Bootstrap.DEFAULT);
    assertEquals(1, c.finalReward().size());
    SamplerComparison.Row row = c.finalReward().get(0);
    assertEquals("b", row.sampler());
    assertEquals("a", row.minus());
    assertTrue(Double.isNaN(row.kl()));
    // differences 0.1, 0.05, 0.02
    assertEquals((0.1 + 0.05 + 0.02) / 3, row.diffMean(), 1e-12);
    assertEquals(3, row.seedsAhead());
    assertEquals(3, row.seeds());
    assertTrue(row.ciLow() >= 0.02 - 1e-12 && row.ciHigh() <= 0.1 + 1e-12, row.toString());
    assertTrue(row.ciLow() < row.diffMean() && row.diffMean() < row.ciHigh(), row.toString());
    assertTrue(row.significant());
  }

  @Test
  void rewardsAreComparedAtKlLevelsTheSeedsReach() {
    // Runs reach 0.8, 0.6, 1.0 (a) and 0.8, 0.7, 0.9 (b): the seeds' runs all reach 0.8, 0.6 and
    // 0.9, and only iteration 0 is shared, so the levels are four steps from 0 to 0.9.
    Map<String, List<List<Evaluation>>> r = results();
    assertEquals(List.of(0.225, 0.45, 0.675, 0.9), SamplerComparison.klLevels(r));
    // a at KL 0.3: seed 1 halfway 0->0.4 is 0.475; seed 2 (0.2->0.6) 0.6 + 0.25*0.1 = 0.625;
    // seed 3 0.3 + 0.6*0.1 = 0.36.
    double[] a = SamplerComparison.rewardsAt(r.get("a"), 0.3);
    assertEquals(0.475, a[0], 1e-12);
    assertEquals(0.625, a[1], 1e-12);
    assertEquals(0.36, a[2], 1e-12);
    SamplerComparison c = SamplerComparison.of(r, Bootstrap.DEFAULT);
    // At 0.9 only seed 3 takes part, too few for a row.
    assertEquals(
        List.of(0.225, 0.45, 0.675), c.atKl().stream().map(SamplerComparison.Row::kl).toList());
    SamplerComparison.Row at = c.atKl().get(1);
    double[] a45 = SamplerComparison.rewardsAt(r.get("a"), 0.45);
    double[] b45 = SamplerComparison.rewardsAt(r.get("b"), 0.45);
    double mean = ((b45[0] - a45[0]) + (b45[1] - a45[1]) + (b45[2] - a45[2])) / 3;
    assertEquals(mean, at.diffMean(), 1e-12);
    assertEquals(3, at.seeds());
    // At 0.675 seed 2's run of a (largest KL 0.6) drops out.
    assertEquals(2, c.atKl().get(2).seeds());
    assertThrows(
        IllegalArgumentException.class, () -> SamplerComparison.rewardsAt(r.get("a"), 0.7));
  }

  @Test
  void anIntervalAcrossZeroIsNotSignificant() {
    Map<String, List<List<Evaluation>>> r = new LinkedHashMap<>();
    r.put("a", List.of(run(0, 0.4, 0.4, 0.5, 0.8, 0.6), run(0, 0.4, 0.4, 0.5, 0.8, 0.6)));
    r.put("b", List.of(run(0, 0.4, 0.4, 0.5, 0.8, 0.7), run(0, 0.4, 0.4, 0.5, 0.8, 0.5)));
    SamplerComparison.Row row = SamplerComparison.of(r, Bootstrap.DEFAULT).finalReward().get(0);
    assertEquals(1, row.seedsAhead());
    assertFalse(row.significant(), row.toString());
  }

  @Test
  void levelsWithinASharedFirstIterationAreLeftOut() {
    // Under each seed both samplers share iteration 1 (KL 0.4, 0.2, 0.5): a level up to 0.5 would
    // compare a run with itself under seed 3. Runs reach 0.8, 0.6, 1.0 (a) and 0.8, 0.7, 0.9 (b).
    Map<String, List<List<Evaluation>>> r = new LinkedHashMap<>();
    r.put("a", results().get("a"));
    r.put(
        "b",
        List.of(
            run(0, 0.4, 0.4, 0.5, 0.8, 0.7),
            run(0, 0.5, 0.2, 0.6, 0.7, 0.75),
            run(0, 0.3, 0.5, 0.4, 0.9, 0.52)));
    assertEquals(List.of(0.4, 0.2, 0.5), SamplerComparison.sharedKlBySeed(r));
    assertEquals(List.of(0.8, 0.6, 0.9), SamplerComparison.reachBySeed(r));
    // Four equal steps from 0.2 (excluded) to 0.9.
    assertEquals(List.of(0.375, 0.55, 0.725, 0.9), SamplerComparison.klLevels(r));
    SamplerComparison c = SamplerComparison.of(r, Bootstrap.DEFAULT);
    // At 0.375 only seed 2 is past its shared stretch: no row. At 0.55 every seed is. Seed 1: a
    // 0.5 + 0.15/0.4 * 0.1, b the same with 0.2; seed 2: a 0.6 + 0.35/0.4 * 0.1, b 0.6 + 0.35/0.5
    // * 0.15; seed 3: a 0.4 + 0.05/0.5 * 0.1, b 0.4 + 0.05/0.4 * 0.12.
    SamplerComparison.Row at = c.atKl().get(0);
    assertEquals(0.55, at.kl(), 1e-12);
    assertEquals(3, at.seeds());
    double d1 = 0.15 / 0.4 * 0.2 - 0.15 / 0.4 * 0.1;
    double d2 = 0.35 / 0.5 * 0.15 - 0.35 / 0.4 * 0.1;
    double d3 = 0.05 / 0.4 * 0.12 - 0.05 / 0.5 * 0.1;
    assertEquals((d1 + d2 + d3) / 3, at.diffMean(), 1e-12);
    // Identical runs share everything: no seed goes beyond its shared KL, so no level.
    Map<String, List<List<Evaluation>>> same = new LinkedHashMap<>();
    same.put("a", r.get("a"));
    same.put("b", r.get("a"));
    assertEquals(List.of(0.8, 0.6, 1.0), SamplerComparison.sharedKlBySeed(same));
    assertEquals(List.of(), SamplerComparison.klLevels(same));
    assertTrue(SamplerComparison.of(same, Bootstrap.DEFAULT).atKl().isEmpty());
  }

  @Test
  void withoutASharedIterationTheLevelsStartAtZero() {
    assertEquals(List.of(0.0, 0.0, 0.0), SamplerComparison.sharedKlBySeed(results()));
  }
}
