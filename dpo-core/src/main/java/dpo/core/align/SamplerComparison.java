package dpo.core.align;

import dpo.core.metrics.Bootstrap;
import dpo.core.metrics.Interpolation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Paired comparisons of samplers over seeds: for each pair (each sampler minus each one listed
 * before it), the per-seed differences of reward, their mean, a percentile bootstrap interval of
 * the mean ({@link Bootstrap}) and how many seeds the first sampler is strictly ahead on.
 *
 * <p>Pairing by seed is what makes the differences informative: under one seed every sampler starts
 * from the same reference model, trains on the same prompts and is evaluated on the same test
 * prompts with the same random draws ({@link OnlineDpoLoop} seeds every draw from the seed and its
 * coordinates, never from the sampler), so the seed-to-seed spread of the references cancels.
 *
 * <p>Two comparisons: of the final iteration's reward, and of the reward at common KL levels, each
 * run's reward read off its reward-KL curve ({@link Interpolation#firstCrossing}). The levels are
 * {@link #KL_LEVELS} equal steps from the {@linkplain #sharedKl shared KL} up to the smallest KL
 * that every run reaches, rounded down to three decimals, so that no run's value is extrapolated
 * and no level falls in the stretch every sampler shares. Under one seed the samplers' first
 * iterations are often one and the same (the policy starts as the reference, so vanilla, on-policy,
 * hybrid and mix-p draw from the same pair of distributions, and under the paper's protocol
 * iteration 1 is literally one run): a level reached within them compares a run with itself, and
 * its differences are 0 by construction. Such levels are left out.
 *
 * @param finalReward the comparisons of the last iteration's reward
 * @param atKl the comparisons at each KL level, level by level
 * @param klLevels the KL levels (empty if some run never left the initial model, or if no run goes
 *     beyond the shared KL far enough to compare: {@code reach <= sharedKl})
 * @param sharedKl the largest KL any run has within the iterations that every sampler shares under
 *     its seed ({@link #sharedKl(Map)}); 0 when only the initial model is shared
 * @param reach the smallest KL every run reaches ({@link #reach(List)} over the samplers)
 */
public record SamplerComparison(
    List<Row> finalReward, List<Row> atKl, List<Double> klLevels, double sharedKl, double reach) {

  /** How many KL levels are compared. */
  public static final int KL_LEVELS = 4;

  /**
   * One paired comparison.
   *
   * @param sampler the first sampler
   * @param minus the sampler subtracted
   * @param kl the KL level, NaN for the final iteration
   * @param diffMean the mean over seeds of the difference
   * @param ciLow the lower bound of the bootstrap interval of the mean
   * @param ciHigh its upper bound
   * @param seedsAhead seeds with a difference > 0
   * @param seeds seeds compared
   */
  public record Row(
      String sampler,
      String minus,
      double kl,
      double diffMean,
      double ciLow,
      double ciHigh,
      int seedsAhead,
      int seeds) {

    /**
     * Whether the interval excludes 0.
     *
     * @return true if both bounds have the same sign and neither is 0
     */
    public boolean significant() {
      return ciLow > 0 || ciHigh < 0;
    }
  }

  /**
   * Compares the samplers of a result.
   *
   * @param results per sampler (in order), per seed (in the same seed order for every sampler), the
   *     evaluations of iterations 0..N
   * @param bootstrap the interval's settings
   * @return the comparisons
   */
  public static SamplerComparison of(
      Map<String, List<List<Evaluation>>> results, Bootstrap bootstrap) {
    List<String> ids = new ArrayList<>(results.keySet());
    List<Row> last = new ArrayList<>();
    List<Double> levels = klLevels(results);
    List<Row> atKl = new ArrayList<>();
    for (int j = 1; j < ids.size(); j++) {
      for (int i = 0; i < j; i++) {
        List<List<Evaluation>> a = results.get(ids.get(j));
        List<List<Evaluation>> b = results.get(ids.get(i));
        int n = Math.min(a.size(), b.size());
        double[] d = new double[n];
        for (int s = 0; s < n; s++) {
          d[s] = finalReward(a.get(s)) - finalReward(b.get(s));
        }
        last.add(row(ids.get(j), ids.get(i), Double.NaN, d, bootstrap));
      }
    }
    for (double level : levels) {
      for (int j = 1; j < ids.size(); j++) {
        for (int i = 0; i < j; i++) {
          double[] a = rewardsAt(results.get(ids.get(j)), level);
          double[] b = rewardsAt(results.get(ids.get(i)), level);
          int n = Math.min(a.length, b.length);
          double[] d = new double[n];
          for (int s = 0; s < n; s++) {
            d[s] = a[s] - b[s];
          }
          atKl.add(row(ids.get(j), ids.get(i), level, d, bootstrap));
        }
      }
    }
    return new SamplerComparison(
        List.copyOf(last),
        List.copyOf(atKl),
        List.copyOf(levels),
        sharedKl(results),
        reach(results));
  }

  /**
   * The KL levels at which the samplers are compared: {@link #KL_LEVELS} equal steps from the
   * {@linkplain #sharedKl shared KL} (excluded) up to the smallest KL every run reaches, rounded
   * down to three decimals; levels that round to the shared KL or below are left out, so the list
   * is empty when no run goes beyond the shared stretch far enough.
   *
   * @param results the runs
   * @return the levels, ascending
   */
  public static List<Double> klLevels(Map<String, List<List<Evaluation>>> results) {
    double common = reach(results);
    double shared = sharedKl(results);
    List<Double> levels = new ArrayList<>();
    for (int i = 1; i <= KL_LEVELS && common > shared && Double.isFinite(common); i++) {
      double exact = shared + (common - shared) * i / KL_LEVELS;
      // Rounded down, but not below a decimal the division only misses by rounding (0.6 * 3 / 4);
      // never above what every run reaches.
      double level = Math.floor(exact * 1000 + 1e-6) / 1000;
      if (level > common) {
        level = Math.floor(exact * 1000) / 1000;
      }
      if (level > shared && level > 0 && !levels.contains(level)) {
        levels.add(level);
      }
    }
    return levels;
  }

  /**
   * The largest KL that any run has within the iterations its seed's samplers share: per seed, the
   * longest run of iterations from 0 whose evaluations are equal for every sampler, and the largest
   * KL among them. At a level up to this, some seed compares a stretch that every sampler shares,
   * so its differences there are 0 by construction.
   *
   * @param results per sampler, per seed (in the same seed order), the evaluations
   * @return the shared KL; 0 when only the initial model is shared
   */
  public static double sharedKl(Map<String, List<List<Evaluation>>> results) {
    List<List<List<Evaluation>>> samplers = new ArrayList<>(results.values());
    if (samplers.size() < 2) {
      return 0;
    }
    int seeds = samplers.stream().mapToInt(List::size).min().orElse(0);
    double shared = 0;
    for (int s = 0; s < seeds; s++) {
      List<Evaluation> first = samplers.get(0).get(s);
      for (int it = 0; it < first.size(); it++) {
        Evaluation e = first.get(it);
        if (!sharedByAll(samplers, s, it, e)) {
          break;
        }
        shared = Math.max(shared, e.kl());
      }
    }
    return shared;
  }

  private static boolean sharedByAll(
      List<List<List<Evaluation>>> samplers, int seed, int iteration, Evaluation e) {
    for (List<List<Evaluation>> runs : samplers) {
      List<Evaluation> run = runs.get(seed);
      if (iteration >= run.size() || !e.equals(run.get(iteration))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The smallest KL that every run of every sampler reaches.
   *
   * @param results the runs
   * @return the KL
   */
  public static double reach(Map<String, List<List<Evaluation>>> results) {
    double common = Double.POSITIVE_INFINITY;
    for (List<List<Evaluation>> runs : results.values()) {
      common = Math.min(common, reach(runs));
    }
    return common;
  }

  /**
   * The smallest KL that every run of a sampler reaches (each run's largest KL, minimised).
   *
   * @param runs the sampler's runs, one per seed
   * @return the KL
   */
  public static double reach(List<List<Evaluation>> runs) {
    double common = Double.POSITIVE_INFINITY;
    for (List<Evaluation> run : runs) {
      common = Math.min(common, Interpolation.reach(kls(run)));
    }
    return common;
  }

  /**
   * Each run's reward at a KL level, by linear interpolation of its reward-KL curve.
   *
   * @param runs the runs, one per seed
   * @param level a KL level every run reaches ({@link #reach})
   * @return the rewards, one per run
   * @throws IllegalArgumentException if a run never reaches the level
   */
  public static double[] rewardsAt(List<List<Evaluation>> runs, double level) {
    double[] out = new double[runs.size()];
    for (int s = 0; s < out.length; s++) {
      List<Evaluation> run = runs.get(s);
      double[] reward = run.stream().mapToDouble(Evaluation::reward).toArray();
      OptionalDouble r = Interpolation.firstCrossing(kls(run), reward, level);
      if (r.isEmpty()) {
        throw new IllegalArgumentException(
            "run " + s + " never reaches KL " + level + "; only common levels are compared");
      }
      out[s] = r.getAsDouble();
    }
    return out;
  }

  private static double[] kls(List<Evaluation> run) {
    return run.stream().mapToDouble(Evaluation::kl).toArray();
  }

  private static double finalReward(List<Evaluation> run) {
    return run.get(run.size() - 1).reward();
  }

  private static Row row(String a, String b, double kl, double[] d, Bootstrap bootstrap) {
    double mean = 0;
    int ahead = 0;
    for (double v : d) {
      mean += v;
      ahead += v > 0 ? 1 : 0;
    }
    mean /= d.length;
    Bootstrap.Interval ci = bootstrap.meanInterval(d);
    return new Row(a, b, kl, mean, ci.low(), ci.high(), ahead, d.length);
  }
}
