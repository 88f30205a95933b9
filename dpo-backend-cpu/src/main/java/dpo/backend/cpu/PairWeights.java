package dpo.backend.cpu;

import dpo.api.sampler.PairComponent;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.Tilt;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A sampler realised on one prompt of a tabular policy: the pair distribution W(y, y') = sum_k
 * share_k * p_k(y) * q_k(y'), optionally capped, and draws from it.
 *
 * <p>Everything is kept in normalised form (shares and per-component distributions), with the
 * partition function Z only in log space, so that tilts such as exp(beta * theta) with beta *
 * theta in the hundreds neither overflow nor lose precision. Memory is O(K * Y) for K components;
 * the Y * Y table is never formed. Reused across prompts and steps by one thread.
 */
final class PairWeights {
  private final int responses;
  private double[][] first = new double[0][];
  private double[][] second = new double[0][];
  private double[][] firstCdf = new double[0][];
  private double[][] secondCdf = new double[0][];
  private double[] share = new double[0];
  private double[] shareCdf = new double[0];
  private final double[] scratch;
  private int components;
  private double logZ;

  // A capped sampler needs absolute pair weights C, not just normalised ones: min(C, cap) mixes
  // scales that the normalised form has already divided out (and may have underflowed to zero).
  // So each pair's C is rebuilt in log space as sum_k exp(logFirst_k(y) + logSecond_k(y')), and
  // weights are kept relative to a scale near the largest capped weight, so none overflows.
  private boolean capped;
  private double[][] logFirst = new double[0][];
  private double[][] logSecond = new double[0][];
  private final double[] rowCdf;
  private double logScale;
  /** cap / scale, possibly +inf when no pair can reach the cap. */
  private double relativeCap;
  /** Sum over pairs of min(C, cap) / scale. */
  private double cappedSum;
  /** Draw capped pairs by rejection from the uncapped mixture, or by scanning a row. */
  private boolean rejection;

  PairWeights(int responses) {
    this.responses = responses;
    this.scratch = new double[responses];
    this.rowCdf = new double[responses];
  }

  /**
   * Evaluates the sampler at the current policy of one prompt.
   *
   * @param sampler the sampler
   * @param logPolicy log pi_theta over the responses
   * @param logReference log pi_ref (the same for every response: the reference is uniform)
   * @param rewards the prompt's rewards
   * @param beta the objective's KL coefficient
   */
  void prepare(
      Sampler sampler, double[] logPolicy, double logReference, double[] rewards, double beta) {
    List<PairComponent> parts = sampler.components();
    double cap = sampler.weightCap(range(rewards));
    if (!(cap > 0)) {
      throw new IllegalArgumentException("sampler weight cap must be > 0, got " + cap);
    }
    capped = cap != Double.POSITIVE_INFINITY;
    ensureCapacity(parts.size());
    components = parts.size();
    double maxLogMass = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < components; k++) {
      PairComponent c = parts.get(k);
      double logF = tilt(c.first(), logPolicy, logReference, rewards, beta, first[k], firstCdf[k]);
      if (capped) {
        System.arraycopy(scratch, 0, logFirst[k], 0, responses);
      }
      double logG =
          tilt(c.second(), logPolicy, logReference, rewards, beta, second[k], secondCdf[k]);
      if (capped) {
        System.arraycopy(scratch, 0, logSecond[k], 0, responses);
      }
      double logWeight = Math.log(c.weight());
      double logMass = logWeight;
      if (c.scale() == PairComponent.Scale.UNNORMALISED) {
        logMass += logF + logG;
      } else if (capped) {
        // Fold the normalisation into the first side, so C_k = exp(logFirst + logSecond).
        for (int y = 0; y < responses; y++) {
          logFirst[k][y] += logWeight - logF - logG;
        }
      }
      if (capped && c.scale() == PairComponent.Scale.UNNORMALISED) {
        for (int y = 0; y < responses; y++) {
          logFirst[k][y] += logWeight;
        }
      }
      share[k] = logMass;
      maxLogMass = Math.max(maxLogMass, logMass);
    }
    if (maxLogMass == Double.NEGATIVE_INFINITY) {
      throw new IllegalArgumentException("sampler has no component with a positive weight");
    }
    double sum = 0;
    for (int k = 0; k < components; k++) {
      share[k] = Math.exp(share[k] - maxLogMass);
      sum += share[k];
    }
    logZ = maxLogMass + Math.log(sum);
    double acc = 0;
    for (int k = 0; k < components; k++) {
      share[k] /= sum;
      acc += share[k];
      shareCdf[k] = acc;
    }
    if (capped) {
      applyCap(Math.log(cap));
    }
  }

  private void applyCap(double logCap) {
    // The largest C is within a factor K of max_k (max logFirst_k + max logSecond_k).
    double logMax = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < components; k++) {
      logMax = Math.max(logMax, max(logFirst[k]) + max(logSecond[k]));
    }
    logScale = Math.min(logCap, logMax);
    relativeCap = Math.exp(logCap - logScale);
    double total = 0;
    for (int y = 0; y < responses; y++) {
      double row = 0;
      for (int y2 = 0; y2 < responses; y2++) {
        row += cappedRelative(y, y2);
      }
      total += row;
      rowCdf[y] = total;
    }
    cappedSum = total;
    // Rejection from the uncapped mixture accepts with probability Z_capped / Z_uncapped; use it
    // while that costs fewer than ~Y proposals per pair, else scan one row per pair.
    double acceptance = Math.exp(logScale + Math.log(cappedSum) - logZ);
    rejection = acceptance * responses >= 1;
  }

  /** C(y, y') / scale, uncapped; +inf when it overflows (it is then above any cap). */
  private double uncappedRelative(int y, int y2) {
    double c = 0;
    for (int k = 0; k < components; k++) {
      c += Math.exp(logFirst[k][y] + logSecond[k][y2] - logScale);
    }
    return c;
  }

  private double cappedRelative(int y, int y2) {
    return Math.min(uncappedRelative(y, y2), relativeCap);
  }

  /** W(y, y'): the probability of the ordered pair. */
  double weight(int y, int y2) {
    return capped ? cappedRelative(y, y2) / cappedSum : uncapped(y, y2);
  }

  /** log Z, the log of the sum of the unnormalised (capped) pair weights. */
  double logPartition() {
    return capped ? logScale + Math.log(cappedSum) : logZ;
  }

  /**
   * Draws one ordered pair from W: a component by its share, then each side independently. A cap
   * is applied either by rejection, accepting with probability min(1, cap / C(y, y')), or, when
   * that would reject too often, by drawing a row from its capped mass and scanning it.
   *
   * @param random the source of randomness
   * @return the pair packed as {@code y * Y + y'}
   */
  int sample(SplittableRandom random) {
    if (capped && !rejection) {
      int y = search(rowCdf, responses, random.nextDouble());
      double target = random.nextDouble() * (rowCdf[y] - (y == 0 ? 0 : rowCdf[y - 1]));
      double acc = 0;
      int last = 0;
      for (int y2 = 0; y2 < responses; y2++) {
        double w = cappedRelative(y, y2);
        if (w > 0) {
          acc += w;
          last = y2;
          if (acc > target) {
            return y * responses + y2;
          }
        }
      }
      return y * responses + last;
    }
    while (true) {
      int k = search(shareCdf, components, random.nextDouble());
      int y = search(firstCdf[k], responses, random.nextDouble());
      int y2 = search(secondCdf[k], responses, random.nextDouble());
      if (!capped) {
        return y * responses + y2;
      }
      double c = uncappedRelative(y, y2);
      if (c <= relativeCap || random.nextDouble() * c < relativeCap) {
        return y * responses + y2;
      }
    }
  }

  private double uncapped(int y, int y2) {
    double w = 0;
    for (int k = 0; k < components; k++) {
      w += share[k] * first[k][y] * second[k][y2];
    }
    return w;
  }

  /**
   * Fills {@code dist} with the normalised tilt, {@code cdf} with its running sum and {@code
   * scratch} with the unnormalised log weights; returns the log partition function.
   */
  private double tilt(
      Tilt tilt,
      double[] logPolicy,
      double logReference,
      double[] rewards,
      double beta,
      double[] dist,
      double[] cdf) {
    double max = Double.NEGATIVE_INFINITY;
    for (int y = 0; y < responses; y++) {
      scratch[y] = tilt.logWeight(logPolicy[y], logReference, rewards[y], beta);
      max = Math.max(max, scratch[y]);
    }
    double sum = 0;
    for (int y = 0; y < responses; y++) {
      dist[y] = Math.exp(scratch[y] - max);
      sum += dist[y];
    }
    double acc = 0;
    for (int y = 0; y < responses; y++) {
      dist[y] /= sum;
      acc += dist[y];
      cdf[y] = acc;
    }
    return max + Math.log(sum);
  }

  /** The first index whose cumulative value exceeds u times the total. */
  private static int search(double[] cdf, int n, double u) {
    double target = u * cdf[n - 1];
    int lo = 0;
    int hi = n - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cdf[mid] > target) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  private double max(double[] v) {
    double m = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < responses; i++) {
      m = Math.max(m, v[i]);
    }
    return m;
  }

  private static double range(double[] rewards) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double r : rewards) {
      min = Math.min(min, r);
      max = Math.max(max, r);
    }
    return max - min;
  }

  private void ensureCapacity(int k) {
    if (first.length < k) {
      first = new double[k][responses];
      second = new double[k][responses];
      firstCdf = new double[k][responses];
      secondCdf = new double[k][responses];
      share = new double[k];
      shareCdf = new double[k];
    }
    if (capped && logFirst.length < k) {
      logFirst = new double[k][responses];
      logSecond = new double[k][responses];
    }
  }
}
