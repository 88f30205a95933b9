package dpo.backend.cpu;

import dpo.api.sampler.PairComponent;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.Tilt;
import java.util.Arrays;
import java.util.List;

/**
 * A sampler realised on one prompt of a tabular policy. The unnormalised pair weight is kept in a
 * relative, separable form
 *
 * <pre>
 *   C(y, y') = exp(logScale) * min(sum_k rowCoef_k(y) * colCoef_k(y'), relativeCap)
 * </pre>
 *
 * so that a kernel evaluates it with K multiply-adds per pair, and W = C / sum C. Everything is
 * computed from per-response quantities in log space, so tilts such as exp(beta * theta) with beta
 * * theta in the hundreds neither overflow nor lose precision; memory is O(K * Y) for K components,
 * the Y * Y table is never formed. One instance per thread, reused across prompts.
 *
 * <p>Uncapped samplers: rowCoef_k = share_k p_k and colCoef_k = q_k with p_k, q_k the normalised
 * tilts, and logScale = log Z. Capped samplers need the absolute weights (min(C, cap) mixes scales
 * the normalised form divides out), so the coefficients are exp(log f_k + const) and logScale sits
 * near the largest capped weight. When that would overflow a coefficient ({@link #separable()} is
 * false), pairs are evaluated one by one in log space instead.
 */
final class PairWeights {
  /** Exponents beyond this are treated as unsafe for the separable (ratio) form. */
  static final double SAFE_EXPONENT = 600;

  private final int responses;
  private int components;
  private double[] share = new double[0];
  private double[] shareCdf = new double[0];
  private double[][] first = new double[0][];
  private double[][] second = new double[0][];
  private double[][] rowCoef = new double[0][];
  private double[][] colCoef = new double[0][];
  private double[][] logFirst = new double[0][];
  private double[][] logSecond = new double[0][];
  private AliasTable[] firstAlias = new AliasTable[0];
  private AliasTable[] secondAlias = new AliasTable[0];

  /**
   * Per tilt slot (2k for component k's first side, 2k + 1 for its second): the tilt, its log
   * partition function and the earliest slot with an equal tilt. Samplers repeat tilts (dpo-mix-p
   * has the uniform tilt twice and each implicit-reward tilt twice), and an equal tilt gives the
   * same distribution and alias table, so each is computed once per prepare.
   */
  private Tilt[] slotTilt = new Tilt[0];

  private double[] slotLogZ = new double[0];
  private int[] slotSource = new int[0];
  private AliasTable[] firstDraw = new AliasTable[0];
  private AliasTable[] secondDraw = new AliasTable[0];
  private boolean aliasReady;

  private boolean capped;
  private boolean separable;
  private boolean symmetric;
  private double constant;
  private int[] variable = new int[0];
  private boolean[] matched = new boolean[0];
  private int variableCount;
  private double logZ;
  private double logScale;
  private double relativeCap;

  /** Sum over all pairs of the relative capped weights; NaN until first needed. */
  private double relativeSum;

  private final double[] rowCdf;
  private boolean rejection;
  private int drawnFirst;
  private int drawnSecond;

  PairWeights(int responses) {
    this.responses = responses;
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
    components = parts.size();
    ensureCapacity(components);
    aliasReady = false;
    double maxLogMass = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < components; k++) {
      PairComponent c = parts.get(k);
      double logF = tilt(2 * k, c.first(), logPolicy, logReference, rewards, beta);
      double logG = tilt(2 * k + 1, c.second(), logPolicy, logReference, rewards, beta);
      double logWeight = Math.log(c.weight());
      double logMass = logWeight;
      double shift = logWeight;
      if (c.scale() == PairComponent.Scale.UNNORMALISED) {
        logMass += logF + logG;
      } else {
        shift -= logF + logG;
      }
      // log C_k(y, y') = logFirst_k(y) + logSecond_k(y'), the component's weight folded in.
      for (int y = 0; y < responses; y++) {
        logFirst[k][y] += shift;
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
    prepareStructure(parts);
    if (capped) {
      prepareCapped(Math.log(cap));
    } else {
      for (int k = 0; k < components; k++) {
        for (int y = 0; y < responses; y++) {
          rowCoef[k][y] = share[k] * first[k][y];
          colCoef[k][y] = second[k][y];
        }
      }
      separable = true;
      logScale = logZ;
      relativeCap = Double.POSITIVE_INFINITY;
      relativeSum = 1;
    }
    constant = 0;
    for (int k = 0; k < components; k++) {
      if (isConstant(parts.get(k))) {
        constant += rowCoef[k][0] * colCoef[k][0];
      }
    }
  }

  /**
   * Splits the components into constant ones (uniform on both sides, folded into {@link
   * #constant()}) and the rest, and detects symmetry, C(y, y') = C(y', y): every component is
   * matched by its transpose. Kernels use both to skip work.
   */
  private void prepareStructure(List<PairComponent> parts) {
    variableCount = 0;
    Arrays.fill(matched, 0, components, false);
    symmetric = true;
    for (int k = 0; k < components; k++) {
      PairComponent c = parts.get(k);
      if (!isConstant(c)) {
        variable[variableCount++] = k;
      }
      if (matched[k]) {
        continue;
      }
      boolean found = false;
      for (int j = k; j < components && !found; j++) {
        PairComponent t = parts.get(j);
        if (!matched[j]
            && t.weight() == c.weight()
            && t.scale() == c.scale()
            && t.first().equals(c.second())
            && t.second().equals(c.first())) {
          matched[k] = true;
          matched[j] = true;
          found = true;
        }
      }
      symmetric &= found;
    }
  }

  private static boolean isConstant(PairComponent c) {
    return c.first().equals(Tilt.UNIFORM) && c.second().equals(Tilt.UNIFORM);
  }

  private void prepareCapped(double logCap) {
    // The largest C is within a factor K of max_k (max logFirst_k + max logSecond_k).
    double logMax = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < components; k++) {
      logMax = Math.max(logMax, max(logFirst[k]) + max(logSecond[k]));
    }
    logScale = Math.min(logCap, logMax);
    relativeCap = Math.exp(logCap - logScale);
    separable = true;
    for (int k = 0; k < components; k++) {
      double maxFirst = max(logFirst[k]);
      double maxSecond = max(logSecond[k]);
      if (maxFirst + maxSecond - logScale > SAFE_EXPONENT) {
        separable = false;
      }
      for (int y = 0; y < responses; y++) {
        rowCoef[k][y] = Math.exp(logFirst[k][y] + maxSecond - logScale);
        colCoef[k][y] = Math.exp(logSecond[k][y] - maxSecond);
      }
    }
    relativeSum = Double.NaN;
  }

  /** Whether C(y, y') = C(y', y) for every pair. */
  boolean symmetric() {
    return symmetric;
  }

  /** The part of every relative pair weight contributed by uniform-uniform components. */
  double constant() {
    return constant;
  }

  /** How many components depend on the responses. */
  int variableCount() {
    return variableCount;
  }

  /** The index of the i-th response-dependent component. */
  int variable(int i) {
    return variable[i];
  }

  /** Number of mixture components K. */
  int components() {
    return components;
  }

  /** rowCoef_k over the responses (read-only). */
  double[] rowCoef(int k) {
    return rowCoef[k];
  }

  /** colCoef_k over the responses (read-only). */
  double[] colCoef(int k) {
    return colCoef[k];
  }

  /** The cap on a pair's relative weight; +inf when uncapped. */
  double relativeCap() {
    return relativeCap;
  }

  /** Whether the separable coefficients are finite and may be used by kernels. */
  boolean separable() {
    return separable;
  }

  /** log of the factor that turns relative weights into C. */
  double logScale() {
    return logScale;
  }

  /** The relative weight of a pair: C(y, y') / exp(logScale), capped. */
  double relativeWeight(int y, int y2) {
    double c = 0;
    if (separable) {
      for (int k = 0; k < components; k++) {
        c += rowCoef[k][y] * colCoef[k][y2];
      }
    } else {
      for (int k = 0; k < components; k++) {
        // Overflow gives +inf, which the cap then clips: never NaN.
        c += Math.exp(logFirst[k][y] + logSecond[k][y2] - logScale);
      }
    }
    return Math.min(c, relativeCap);
  }

  /** W(y, y'): the probability of the ordered pair. */
  double weight(int y, int y2) {
    return relativeWeight(y, y2) / relativeSum();
  }

  /** log Z, the log of the sum of the unnormalised (capped) pair weights. */
  double logPartition() {
    return logScale + Math.log(relativeSum());
  }

  private double relativeSum() {
    if (Double.isNaN(relativeSum)) {
      double total = 0;
      for (int y = 0; y < responses; y++) {
        for (int y2 = 0; y2 < responses; y2++) {
          total += relativeWeight(y, y2);
        }
        rowCdf[y] = total;
      }
      relativeSum = total;
    }
    return relativeSum;
  }

  /**
   * Draws one ordered pair from W in O(1): a component by its share, then each side from its alias
   * table. A cap is applied by rejection, accepting with probability min(1, cap / C(y, y')), unless
   * that would reject too often; then a row is drawn from its capped mass and scanned (O(Y)).
   *
   * @param random the source of randomness
   * @see #first()
   * @see #second()
   */
  void sample(SplitMix random) {
    if (!aliasReady) {
      prepareSampling();
    }
    if (capped && !rejection) {
      sampleByRow(random);
      return;
    }
    while (true) {
      int k = component(random);
      int y = firstDraw[k].sample(random);
      int y2 = secondDraw[k].sample(random);
      if (!capped || acceptCapped(y, y2, random)) {
        drawnFirst = y;
        drawnSecond = y2;
        return;
      }
    }
  }

  /** Builds the alias tables (and, when capped, the row masses) for the current prepare. */
  void prepareSampling() {
    for (int k = 0; k < components; k++) {
      firstDraw[k] = aliasOf(2 * k);
      secondDraw[k] = aliasOf(2 * k + 1);
    }
    if (capped) {
      relativeSum();
      // Rejection accepts with probability Z_capped / Z_uncapped; use it while that costs fewer
      // than ~Y proposals per pair, else scan one row per pair.
      rejection = Math.exp(logScale + Math.log(relativeSum) - logZ) * responses >= 1;
    }
    aliasReady = true;
  }

  /** A component index drawn by share. */
  private int component(SplitMix random) {
    if (components == 1) {
      return 0;
    }
    return component(shareCdf, components, random.nextDouble());
  }

  /**
   * The component that the uniform {@code u} picks from the cumulative shares: the number of
   * thresholds it reaches, counted from the sign of u - cdf (+0 when equal, never -0 for finite
   * doubles) rather than with a comparison the compiler might make a mispredicted branch.
   */
  static int component(double[] cdf, int components, double u) {
    int k = 0;
    for (int i = 0; i < components - 1; i++) {
      k += (int) (~Double.doubleToRawLongBits(u - cdf[i]) >>> 63);
    }
    return k;
  }

  /** Whether the sampler caps the pair weights (then pairs are drawn with rejection or by row). */
  boolean capped() {
    return capped;
  }

  /** The cumulative component shares (read-only), for {@link #component(double[], int, double)}. */
  double[] shareCdf() {
    return shareCdf;
  }

  /** The alias table of component k's first response, after {@link #prepareSampling()}. */
  AliasTable firstTable(int k) {
    return firstDraw[k];
  }

  /** The alias table of component k's second response, after {@link #prepareSampling()}. */
  AliasTable secondTable(int k) {
    return secondDraw[k];
  }

  private boolean acceptCapped(int y, int y2, SplitMix random) {
    double c = uncappedRelative(y, y2);
    return c <= relativeCap || random.nextDouble() * c < relativeCap;
  }

  /** The first response of the last pair drawn by {@link #sample}. */
  int first() {
    return drawnFirst;
  }

  /** The second response of the last pair drawn by {@link #sample}. */
  int second() {
    return drawnSecond;
  }

  private double uncappedRelative(int y, int y2) {
    double c = 0;
    for (int k = 0; k < components; k++) {
      c += Math.exp(logFirst[k][y] + logSecond[k][y2] - logScale);
    }
    return c;
  }

  private void sampleByRow(SplitMix random) {
    double target = random.nextDouble() * rowCdf[responses - 1];
    int lo = 0;
    int hi = responses - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (rowCdf[mid] > target) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    int y = lo;
    double rowTarget = target - (y == 0 ? 0 : rowCdf[y - 1]);
    double acc = 0;
    int last = 0;
    for (int y2 = 0; y2 < responses; y2++) {
      double w = relativeWeight(y, y2);
      if (w > 0) {
        acc += w;
        last = y2;
        if (acc > rowTarget) {
          break;
        }
      }
    }
    drawnFirst = y;
    drawnSecond = last;
  }

  /** The alias table of a slot's distribution, built once per prepare for equal tilts. */
  private AliasTable aliasOf(int slot) {
    int source = slotSource[slot];
    AliasTable table = source % 2 == 0 ? firstAlias[source / 2] : secondAlias[source / 2];
    if (source == slot) {
      table.build(source % 2 == 0 ? first[source / 2] : second[source / 2]);
    }
    return table;
  }

  /**
   * Fills the slot's distribution with the normalised tilt and its log weights with the
   * unnormalised log weights; returns the log partition function. An equal tilt of an earlier slot
   * lends its distribution, computed the same way, so the values are the same.
   */
  private double tilt(
      int slot, Tilt tilt, double[] logPolicy, double logReference, double[] rewards, double beta) {
    double[] dist = slot % 2 == 0 ? first[slot / 2] : second[slot / 2];
    double[] logWeights = slot % 2 == 0 ? logFirst[slot / 2] : logSecond[slot / 2];
    slotTilt[slot] = tilt;
    slotSource[slot] = slot;
    for (int j = 0; j < slot; j++) {
      if (slotTilt[j].equals(tilt)) {
        slotSource[slot] = j;
        break;
      }
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int y = 0; y < responses; y++) {
      logWeights[y] = tilt.logWeight(logPolicy[y], logReference, rewards[y], beta);
      max = Math.max(max, logWeights[y]);
    }
    int source = slotSource[slot];
    if (source != slot) {
      double[] from = source % 2 == 0 ? first[source / 2] : second[source / 2];
      System.arraycopy(from, 0, dist, 0, responses);
      slotLogZ[slot] = slotLogZ[source];
      return slotLogZ[slot];
    }
    if (tilt.equals(Tilt.UNIFORM)) {
      // exp(0) = 1 summed Y times is exactly Y: the loop below would give these same values.
      Arrays.fill(dist, 0, responses, 1.0 / responses);
      slotLogZ[slot] = max + Math.log(responses);
      return slotLogZ[slot];
    }
    double sum = 0;
    for (int y = 0; y < responses; y++) {
      dist[y] = Math.exp(logWeights[y] - max);
      sum += dist[y];
    }
    for (int y = 0; y < responses; y++) {
      dist[y] /= sum;
    }
    slotLogZ[slot] = max + Math.log(sum);
    return slotLogZ[slot];
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
    if (first.length >= k) {
      return;
    }
    first = new double[k][responses];
    second = new double[k][responses];
    rowCoef = new double[k][responses];
    colCoef = new double[k][responses];
    logFirst = new double[k][responses];
    logSecond = new double[k][responses];
    share = new double[k];
    shareCdf = new double[k];
    variable = new int[k];
    matched = new boolean[k];
    firstAlias = new AliasTable[k];
    secondAlias = new AliasTable[k];
    firstDraw = new AliasTable[k];
    secondDraw = new AliasTable[k];
    slotTilt = new Tilt[2 * k];
    slotLogZ = new double[2 * k];
    slotSource = new int[2 * k];
    for (int i = 0; i < k; i++) {
      firstAlias[i] = new AliasTable(responses);
      secondAlias[i] = new AliasTable(responses);
    }
  }
}
