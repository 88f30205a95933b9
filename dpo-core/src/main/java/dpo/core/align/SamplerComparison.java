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
 * <p>Two comparisons: of the final iteration's reward, and of the reward at KL levels, each run's
 * reward read off its reward-KL curve ({@link Interpolation#firstCrossing}), never extrapolated.
 * Under one seed the samplers' first iterations are often one and the same (the policy starts as
 * the reference, so vanilla, on-policy, hybrid and mix-p draw from the same pair of distributions,
 * and under the paper's protocol iteration 1 is literally one run): at a level reached within them
 * a run is compared with itself, and the difference is 0 by construction. So a seed takes part in
 * the comparison at a level only above its {@linkplain #sharedKlBySeed(Map) shared KL} and up to
 * the largest KL both runs of the pair reach; the {@code seeds} of a row count the seeds that take
 * part, and a level is reported for a pair only where at least two do. The levels are {@link
 * #KL_LEVELS} equal steps from the smallest shared KL of a seed to the largest KL that some seed's
 * runs all reach, rounded down to three decimals.
 *
 * @param finalReward the comparisons of the last iteration's reward
 * @param atKl the comparisons at each KL level, level by level
 * @param klLevels the KL levels tried (empty if no seed's runs go beyond its shared KL)
 * @param sharedKl per seed, the largest KL within the iterations every sampler shares (0 when only
 *     the initial model is shared)
 * @param reach per seed, the smallest of its runs' largest KL
 */
public record SamplerComparison(
    List<Row> finalReward,
    List<Row> atKl,
    List<Double> klLevels,
    List<Double> sharedKl,
    List<Double> reach) {

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
          double[] d = differencesAt(results, ids.get(j), ids.get(i), level);
          if (d.length >= 2) {
            atKl.add(row(ids.get(j), ids.get(i), level, d, bootstrap));
          }
        }
      }
    }
    return new SamplerComparison(
        List.copyOf(last),
        List.copyOf(atKl),
        List.copyOf(levels),
        sharedKlBySeed(results),
        reachBySeed(results));
  }

  /**
   * The paired differences of reward at a KL level, over the seeds that take part: those whose
   * shared KL is below the level and whose runs of both samplers reach it.
   */
  private static double[] differencesAt(
      Map<String, List<List<Evaluation>>> results, String a, String b, double level) {
    List<Double> shared = sharedKlBySeed(results);
    List<List<Evaluation>> runsA = results.get(a);
    List<List<Evaluation>> runsB = results.get(b);
    List<Double> d = new ArrayList<>();
    for (int s = 0; s < shared.size(); s++) {
      if (level <= shared.get(s)) {
        continue;
      }
      OptionalDouble ra = rewardAt(runsA.get(s), level);
      OptionalDouble rb = rewardAt(runsB.get(s), level);
      if (ra.isPresent() && rb.isPresent()) {
        d.add(ra.getAsDouble() - rb.getAsDouble());
      }
    }
    return d.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /**
   * The KL levels tried: {@link #KL_LEVELS} equal steps from the smallest shared KL of a seed
   * (excluded) to the largest KL that all runs of some seed reach, rounded down to three decimals.
   *
   * @param results the runs
   * @return the levels, ascending; empty if no seed's runs go beyond its shared KL
   */
  public static List<Double> klLevels(Map<String, List<List<Evaluation>>> results) {
    double[] range = range(sharedKlBySeed(results), reachBySeed(results));
    double low = range[0];
    double high = range[1];
    List<Double> levels = new ArrayList<>();
    for (int i = 1; i <= KL_LEVELS && high > low; i++) {
      double exact = low + (high - low) * i / KL_LEVELS;
      // Rounded down, but not below a decimal the division only misses by rounding (0.6 * 3 / 4);
      // never above what the runs reach.
      double level = Math.floor(exact * 1000 + 1e-6) / 1000;
      if (level > high) {
        level = Math.floor(exact * 1000) / 1000;
      }
      if (level > low && level > 0 && !levels.contains(level)) {
        levels.add(level);
      }
    }
    return levels;
  }

  /**
   * Where the levels lie: from the smallest shared KL of a seed whose runs go beyond it, to the
   * largest KL all runs of such a seed reach.
   *
   * @return {from, to}; {+infinity, 0} if no seed's runs go beyond its shared KL
   */
  public double[] levelRange() {
    return range(sharedKl, reach);
  }

  private static double[] range(List<Double> shared, List<Double> reach) {
    double low = Double.POSITIVE_INFINITY;
    double high = 0;
    for (int s = 0; s < shared.size(); s++) {
      if (reach.get(s) > shared.get(s)) {
        low = Math.min(low, shared.get(s));
        high = Math.max(high, reach.get(s));
      }
    }
    return new double[] {low, high};
  }

  /**
   * Per seed, the largest KL within the iterations its samplers share: the longest run of
   * iterations from 0 whose evaluations are equal for every sampler, and the largest KL among them.
   * At a level up to this, the seed would compare a stretch that every sampler shares, with
   * differences 0 by construction.
   *
   * @param results per sampler, per seed (in the same seed order), the evaluations
   * @return per seed the shared KL; 0 when only the initial model is shared
   */
  public static List<Double> sharedKlBySeed(Map<String, List<List<Evaluation>>> results) {
    List<List<List<Evaluation>>> samplers = new ArrayList<>(results.values());
    int seeds = samplers.stream().mapToInt(List::size).min().orElse(0);
    List<Double> out = new ArrayList<>();
    for (int s = 0; s < seeds; s++) {
      double shared = 0;
      List<Evaluation> first = samplers.get(0).get(s);
      for (int it = 0; it < first.size() && samplers.size() > 1; it++) {
        Evaluation e = first.get(it);
        if (!sharedByAll(samplers, s, it, e)) {
          break;
        }
        shared = Math.max(shared, e.kl());
      }
      out.add(shared);
    }
    return out;
  }

  /**
   * Per seed, the smallest of its runs' largest KL: the highest level all its samplers reach.
   *
   * @param results per sampler, per seed, the evaluations
   * @return per seed the KL
   */
  public static List<Double> reachBySeed(Map<String, List<List<Evaluation>>> results) {
    int seeds = results.values().stream().mapToInt(List::size).min().orElse(0);
    List<Double> out = new ArrayList<>();
    for (int s = 0; s < seeds; s++) {
      double common = Double.POSITIVE_INFINITY;
      for (List<List<Evaluation>> runs : results.values()) {
        common = Math.min(common, Interpolation.reach(kls(runs.get(s))));
      }
      out.add(common);
    }
    return out;
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
      OptionalDouble r = rewardAt(runs.get(s), level);
      if (r.isEmpty()) {
        throw new IllegalArgumentException(
            "run " + s + " never reaches KL " + level + "; only common levels are compared");
      }
      out[s] = r.getAsDouble();
    }
    return out;
  }

  private static OptionalDouble rewardAt(List<Evaluation> run, double level) {
    double[] reward = run.stream().mapToDouble(Evaluation::reward).toArray();
    return Interpolation.firstCrossing(kls(run), reward, level);
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
