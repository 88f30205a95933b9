package dpo.bench;

import dpo.bench.chart.Charts;
import dpo.core.align.Evaluation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.JFreeChart;

/**
 * The tables and figure of {@code dpo align}: per sampler and iteration, the mean and sample
 * standard deviation over seeds of the average reward, the win rate against the initial model and
 * the KL to it, plus paired differences between samplers at the last iteration.
 */
final class AlignReport {
  private final Map<String, List<List<Evaluation>>> results;

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

  /**
   * Paired (same seed) differences in final reward: each sampler minus each one listed before it.
   */
  String pairedDifferences() {
    List<String> ids = new ArrayList<>(results.keySet());
    int last = iterations();
    StringBuilder b =
        new StringBuilder(
            "| sampler | minus | reward difference (mean ± sd over seeds) | seeds ahead |\n"
                + "|---|---|---:|---:|\n");
    for (int j = 1; j < ids.size(); j++) {
      for (int i = 0; i < j; i++) {
        List<List<Evaluation>> ra = results.get(ids.get(j));
        List<List<Evaluation>> ro = results.get(ids.get(i));
        int n = Math.min(ra.size(), ro.size());
        double[] d = new double[n];
        int ahead = 0;
        for (int s = 0; s < n; s++) {
          d[s] = ra.get(s).get(last).reward() - ro.get(s).get(last).reward();
          ahead += d[s] > 0 ? 1 : 0;
        }
        b.append("| ")
            .append(ids.get(j))
            .append(" | ")
            .append(ids.get(i))
            .append(" | ")
            .append(Stat.of(d).pm())
            .append(" | ")
            .append(ahead)
            .append("/")
            .append(n)
            .append(" |\n");
      }
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
        + "\n## Final iteration, paired by seed\n\n"
        + pairedDifferences();
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
}
