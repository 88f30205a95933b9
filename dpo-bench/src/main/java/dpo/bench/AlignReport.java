package dpo.bench;

import dpo.bench.chart.Charts;
import dpo.core.align.Evaluation;
import dpo.core.align.SamplerComparison;
import dpo.core.metrics.Bootstrap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.JFreeChart;

/**
 * The tables and figure of {@code dpo align}: per sampler and iteration, the mean and sample
 * standard deviation over seeds of the average reward, the win rate against the initial model and
 * the KL to it, plus paired comparisons between samplers ({@link SamplerComparison}) at the last
 * iteration and at common KL levels.
 */
final class AlignReport {
  /** The comparison's bootstrap: 10,000 resamples, 95%, seed 1. */
  static final Bootstrap BOOTSTRAP = Bootstrap.DEFAULT;

  /**
   * Intervals that exclude 0 are marked from this many seeds on: below, the percentile interval is
   * far too narrow to read as significance (for normal differences its coverage is about 90% at 10
   * seeds, 75% at 3 and 50% at 2, where it is the range of the two differences; simulated).
   */
  static final int MARKED_FROM_SEEDS = 10;

  /** Points on each sampler's reward-KL band. */
  private static final int BAND_POINTS = 21;

  private final Map<String, List<List<Evaluation>>> results;
  private SamplerComparison comparison;

  /**
   * @param results per sampler (in order), per seed, the evaluations of iterations 0..N
   */
  AlignReport(Map<String, List<List<Evaluation>>> results) {
    this.results = results;
  }

  /** A statistic over seeds. */
  record Stat(double mean, double sd) {
    static Stat of(double[] x) {
      double mean = 0;
      for (double v : x) {
        mean += v;
      }
      mean /= x.length;
      double ss = 0;
      for (double v : x) {
        ss += (v - mean) * (v - mean);
      }
      return new Stat(mean, x.length > 1 ? Math.sqrt(ss / (x.length - 1)) : 0);
    }

    String pm() {
      return String.format(Locale.ROOT, "%.3f ± %.3f", mean, sd);
    }
  }

  private interface Field {
    double of(Evaluation e);
  }

  private Stat stat(String sampler, int iteration, Field f) {
    List<List<Evaluation>> runs = results.get(sampler);
    double[] x = new double[runs.size()];
    for (int s = 0; s < x.length; s++) {
      x[s] = f.of(runs.get(s).get(iteration));
    }
    return Stat.of(x);
  }

  private int iterations() {
    return results.values().iterator().next().get(0).size() - 1;
  }

  String csv() {
    StringBuilder b =
        new StringBuilder(
            "sampler,iteration,seeds,reward_mean,reward_sd,win_rate_mean,win_rate_sd,kl_mean,kl_sd,"
                + "reward_greedy_mean,reward_greedy_sd\n");
    for (String sampler : results.keySet()) {
      for (int it = 0; it <= iterations(); it++) {
        Stat r = stat(sampler, it, Evaluation::reward);
        Stat w = stat(sampler, it, Evaluation::winRate);
        Stat k = stat(sampler, it, Evaluation::kl);
        Stat g = stat(sampler, it, Evaluation::rewardGreedy);
        b.append(
            String.format(
                Locale.ROOT,
                "%s,%d,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f%n",
                sampler,
                it,
                results.get(sampler).size(),
                r.mean,
                r.sd,
                w.mean,
                w.sd,
                k.mean,
                k.sd,
                g.mean,
                g.sd));
      }
    }
    return b.toString();
  }

  /** The results table as Markdown rows (also printed on standard output). */
  String table() {
    StringBuilder b =
        new StringBuilder(
            "| sampler | iteration | reward | greedy reward | win rate vs initial"
                + " | KL(policy ‖ initial) |\n"
                + "|---|---:|---:|---:|---:|---:|\n");
    for (String sampler : results.keySet()) {
      for (int it = 0; it <= iterations(); it++) {
        b.append("| ")
            .append(sampler)
            .append(" | ")
            .append(it)
            .append(" | ")
            .append(stat(sampler, it, Evaluation::reward).pm())
            .append(" | ")
            .append(stat(sampler, it, Evaluation::rewardGreedy).pm())
            .append(" | ")
            .append(stat(sampler, it, Evaluation::winRate).pm())
            .append(" | ")
            .append(stat(sampler, it, Evaluation::kl).pm())
            .append(" |\n");
      }
    }
    return b.toString();
  }

  /** The paired comparisons of the samplers, computed once. */
  SamplerComparison comparison() {
    if (comparison == null) {
      comparison = SamplerComparison.of(results, BOOTSTRAP);
    }
    return comparison;
  }

  /** comparison.csv: the final iteration's paired differences. */
  String comparisonCsv() {
    StringBuilder b =
        new StringBuilder("sampler,minus,diff_mean,ci_low,ci_high,seeds_ahead,seeds\n");
    for (SamplerComparison.Row r : comparison().finalReward()) {
      b.append(r.sampler()).append(',').append(r.minus()).append(',').append(numbers(r));
    }
    return b.toString();
  }

  /** comparison_at_kl.csv: the paired differences of reward at each common KL level. */
  String comparisonAtKlCsv() {
    StringBuilder b =
        new StringBuilder("kl,sampler,minus,diff_mean,ci_low,ci_high,seeds_ahead,seeds\n");
    for (SamplerComparison.Row r : comparison().atKl()) {
      b.append(String.format(Locale.ROOT, "%.3f", r.kl()))
          .append(',')
          .append(r.sampler())
          .append(',')
          .append(r.minus())
          .append(',')
          .append(numbers(r));
    }
    return b.toString();
  }

  private static String numbers(SamplerComparison.Row r) {
    return String.format(
        Locale.ROOT,
        "%.6f,%.6f,%.6f,%d,%d%n",
        r.diffMean(),
        r.ciLow(),
        r.ciHigh(),
        r.seedsAhead(),
        r.seeds());
  }

  /**
   * A Markdown table of paired comparisons; intervals that exclude 0 are in bold.
   *
   * @param rows the comparisons
   * @param withKl whether to show each row's KL level
   */
  static String comparisonTable(List<SamplerComparison.Row> rows, boolean withKl) {
    StringBuilder b =
        new StringBuilder(
            (withKl ? "| KL |" : "|")
                + " sampler | minus | reward difference (mean) | 95% CI | seeds ahead |\n"
                + (withKl ? "|---:|" : "|")
                + "---|---|---:|---:|---:|\n");
    for (SamplerComparison.Row r : rows) {
      String ci = String.format(Locale.ROOT, "[%.3f, %.3f]", r.ciLow(), r.ciHigh());
      b.append(withKl ? String.format(Locale.ROOT, "| %.3f ", r.kl()) : "")
          .append("| ")
          .append(r.sampler())
          .append(" | ")
          .append(r.minus())
          .append(" | ")
          .append(String.format(Locale.ROOT, "%.3f", r.diffMean()))
          .append(" | ")
          .append(r.significant() && r.seeds() >= MARKED_FROM_SEEDS ? "**" + ci + "**" : ci)
          .append(" | ")
          .append(r.seedsAhead())
          .append("/")
          .append(r.seeds())
          .append(" |\n");
    }
    return b.toString();
  }

  String markdown(String setup) {
    return "# dpo align results\n\n"
        + setup
        + ".\n\n"
        + "Reward (reward_mean in results.csv): mean oracle reward of the responses to the test"
        + " prompts at the evaluation temperature. Greedy reward (reward_greedy_mean): mean"
        + " oracle reward of one greedy response per test prompt. Win rate: share of (test"
        + " prompt, draw) pairs where the policy's response at the evaluation temperature beats"
        + " the initial model's response drawn with the same random numbers (ties count one"
        + " half). KL: for responses sampled from the policy at temperature 1, the sum over"
        + " their tokens of the exact KL between the policy's and the initial model's"
        + " next-token distributions, averaged (unbiased, never negative). The oracle scores the"
        + " decoded text, without special tokens. Mean ± sample standard deviation over seeds;"
        + " iteration 0 is the initial model.\n\n"
        + table()
        + referenceSpread()
        + "\n## Final iteration, paired by seed\n\n"
        + "Each sampler minus each one listed before it, seed by seed: under one seed every"
        + " sampler starts from the same reference model, trains on the same prompts and is"
        + " evaluated on the same test prompts with the same random draws. 95% CI: percentile"
        + " bootstrap interval of the mean difference ("
        + String.format(Locale.ROOT, "%,d", BOOTSTRAP.resamples())
        + " resamples of the seeds with replacement, seed "
        + BOOTSTRAP.seed()
        + "; the 2.5% and 97.5% order statistics of the resampled means), in bold where it"
        + " excludes 0 and at least "
        + MARKED_FROM_SEEDS
        + " seeds were compared. The percentile interval is too narrow for few seeds: for"
        + " normal differences it covers the true mean about 92% of the time at 20 seeds, 90% at"
        + " 10, 75% at 3 and 50% at 2 (where it is the range of the two differences)."
        + " Seeds ahead: seeds with a difference > 0. Also in comparison.csv.\n\n"
        + comparisonTable(comparison().finalReward(), false)
        + "\n## Reward at matched KL, paired by seed\n\n"
        + atKlText()
        + comparisonTable(comparison().atKl(), true);
  }

  /**
   * How much the initial models differ between seeds: the spread of iteration 0's reward, which
   * every sampler of a seed shares.
   */
  private String referenceSpread() {
    List<List<Evaluation>> runs = results.values().iterator().next();
    double[] x = runs.stream().mapToDouble(run -> run.get(0).reward()).toArray();
    if (x.length < 2) {
      return "";
    }
    Stat stat = Stat.of(x);
    return String.format(
        Locale.ROOT,
        "\nThe initial models (iteration 0) differ between the %d seeds by a standard deviation of"
            + " %.3f in reward (from %.3f to %.3f).\n",
        x.length,
        stat.sd(),
        java.util.Arrays.stream(x).min().getAsDouble(),
        java.util.Arrays.stream(x).max().getAsDouble());
  }

  private String atKlText() {
    SamplerComparison c = comparison();
    List<Double> levels = c.klLevels();
    double sharedLow = c.sharedKl().stream().mapToDouble(Double::doubleValue).min().orElse(0);
    double sharedHigh = c.sharedKl().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    String shared =
        sharedHigh > 0
            ? String.format(
                Locale.ROOT,
                " Left out, seed by seed: levels up to the largest KL a run has within the"
                    + " iterations every sampler shares under that seed (%.3f to %.3f nats over the"
                    + " seeds; the same evaluations, since the policy starts as the reference and"
                    + " samplers whose pairs coincide there run the same first iteration, and under"
                    + " --protocol paper iteration 1 is one shared run), where every difference is"
                    + " 0 by construction.",
                sharedLow,
                sharedHigh)
            : "";
    if (levels.isEmpty()) {
      return c.reach().stream().allMatch(r -> r <= 0)
          ? "Some run never moved from the initial model (KL 0), so no KL level is common to"
              + " all runs.\n"
          : "No KL level is compared: under every seed, some run never goes beyond the KL of the"
              + " iterations all samplers share."
              + shared
              + "\n";
    }
    return "Each run's reward at a KL level, read off its reward-KL curve (the evaluations of"
        + " iterations 0.."
        + iterations()
        + " joined by straight lines in iteration order; where a run crosses a level more than"
        + " once, where it first reaches it). Nothing is extrapolated: a seed takes part at a"
        + " level only up to the largest KL both runs of the pair reach."
        + shared
        + " The levels are "
        + SamplerComparison.KL_LEVELS
        + String.format(
            Locale.ROOT,
            " equal steps from %.3f (the smallest shared KL of a seed) to %.3f nats (the largest"
                + " KL all runs of some seed reach), rounded down; seeds ahead counts the seeds that take part, and a level is"
                + " shown for a pair only where at least two do. The differences are paired and"
                + " bootstrapped as above.",
            c.levelRange()[0],
            c.levelRange()[1])
        + (c.atKl().isEmpty()
            ? " At no level do two seeds take part for any pair, so no row is shown."
            : "")
        + " Also in comparison_at_kl.csv; reward_vs_kl_bands.png shows each sampler's mean curve"
        + " with its 95% band.\n\n";
  }

  /**
   * Average reward against KL to the initial model: per sampler one point per iteration, the mean
   * over seeds with error bars of one sample standard deviation on both axes.
   */
  JFreeChart rewardVsKl() {
    List<Charts.Points> series = new ArrayList<>();
    for (String sampler : results.keySet()) {
      int n = iterations() + 1;
      double[] x = new double[n];
      double[] dx = new double[n];
      double[] y = new double[n];
      double[] dy = new double[n];
      for (int it = 0; it < n; it++) {
        Stat kl = stat(sampler, it, Evaluation::kl);
        Stat reward = stat(sampler, it, Evaluation::reward);
        x[it] = kl.mean;
        dx[it] = kl.sd;
        y[it] = reward.mean;
        dy[it] = reward.sd;
      }
      String[] labels = new String[n];
      for (int it = 0; it < n; it++) {
        labels[it] = Integer.toString(it);
      }
      series.add(new Charts.Points(sampler, x, dx, y, dy).withLabels(labels));
    }
    return Charts.pointsWithErrors(
        "Average reward vs KL to the initial model (points labelled by"
            + " iteration, mean ± sd over seeds)",
        "KL(policy || initial), nats",
        "average reward",
        series);
  }

  /**
   * Average reward against KL, each run's curve interpolated as in the comparison at matched KL:
   * per sampler the mean over seeds at {@value #BAND_POINTS} KL values from 0 to the smallest KL
   * all its seeds reach, with a 95% percentile bootstrap band of that mean over the seeds.
   */
  JFreeChart rewardVsKlBands() {
    List<Charts.Band> bands = new ArrayList<>();
    for (Map.Entry<String, List<List<Evaluation>>> e : results.entrySet()) {
      double reach = SamplerComparison.reach(e.getValue());
      double[] x = new double[BAND_POINTS];
      double[] y = new double[BAND_POINTS];
      double[] low = new double[BAND_POINTS];
      double[] high = new double[BAND_POINTS];
      for (int i = 0; i < BAND_POINTS; i++) {
        x[i] = reach * i / (BAND_POINTS - 1);
        double[] rewards = SamplerComparison.rewardsAt(e.getValue(), x[i]);
        y[i] = Stat.of(rewards).mean();
        Bootstrap.Interval ci = BOOTSTRAP.meanInterval(rewards);
        low[i] = ci.low();
        high[i] = ci.high();
      }
      bands.add(new Charts.Band(e.getKey(), x, y, low, high));
    }
    return Charts.linesWithBands(
        "Average reward vs KL to the initial model (mean over seeds, 95% bootstrap band)",
        "KL(policy || initial), nats", "average reward", bands);
  }
}
