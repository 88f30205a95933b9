package dpo.backend.cpu;

import java.util.SplittableRandom;

/**
 * Walker's alias method (Vose's construction): O(n) to build from a distribution, O(1) per draw.
 * Buffers are allocated once and reused for every rebuild.
 */
final class AliasTable {
  private final int n;
  private final double[] probability;

  /** probability scaled to 2^32, compared with the low 32 bits of a random long. */
  private final long[] threshold;

  private final int[] alias;
  private final int[] small;
  private final int[] large;
  private final double[] scaled;

  AliasTable(int n) {
    this.n = n;
    this.probability = new double[n];
    this.threshold = new long[n];
    this.alias = new int[n];
    this.small = new int[n];
    this.large = new int[n];
    this.scaled = new double[n];
  }

  /**
   * Rebuilds the table for a distribution.
   *
   * @param p n non-negative weights summing to about 1
   */
  void build(double[] p) {
    double total = 0;
    for (int i = 0; i < n; i++) {
      total += p[i];
    }
    int s = 0;
    int l = 0;
    for (int i = 0; i < n; i++) {
      scaled[i] = p[i] * n / total;
      if (scaled[i] < 1) {
        small[s++] = i;
      } else {
        large[l++] = i;
      }
    }
    while (s > 0 && l > 0) {
      int less = small[--s];
      int more = large[--l];
      probability[less] = scaled[less];
      alias[less] = more;
      scaled[more] = (scaled[more] + scaled[less]) - 1;
      if (scaled[more] < 1) {
        small[s++] = more;
      } else {
        large[l++] = more;
      }
    }
    // Leftovers are 1 up to rounding.
    while (l > 0) {
      int i = large[--l];
      probability[i] = 1;
      alias[i] = i;
    }
    while (s > 0) {
      int i = small[--s];
      probability[i] = 1;
      alias[i] = i;
    }
    for (int i = 0; i < n; i++) {
      threshold[i] = (long) Math.ceil(probability[i] * 0x1.0p32);
    }
  }

  /**
   * Draws an index: a uniform column, then the column itself or its alias.
   *
   * @param random the source of randomness
   * @return an index in [0, n)
   */
  int sample(SplittableRandom random) {
    long bits = random.nextLong();
    // One draw serves both choices: the high 32 bits pick the column by multiply-shift, the low 32
    // bits decide between the column and its alias (2^-32 resolution). The choice is made with a
    // sign mask rather than a branch: it is a coin flip the branch predictor would miss often.
    int column = (int) (((bits >>> 32) * n) >>> 32);
    long keep = ((bits & 0xFFFFFFFFL) - threshold[column]) >> 63;
    int other = alias[column];
    return other ^ ((other ^ column) & (int) keep);
  }
}
