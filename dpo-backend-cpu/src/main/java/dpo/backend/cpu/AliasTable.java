package dpo.backend.cpu;

import java.util.Arrays;

/**
 * Walker's alias method (Vose's construction): O(n) to build from a distribution, O(1) per draw.
 * Buffers are allocated once and reused for every rebuild, and a rebuild from the distribution of
 * the last build (the uniform tilt of every prompt) is skipped.
 */
final class AliasTable {
  /** The low 33 bits of a packed entry: the keep threshold, at most 2^32. */
  static final long THRESHOLD = (1L << 33) - 1;

  private final int n;
  private final double[] probability;

  /**
   * Per column, the probability of keeping it scaled to 2^32 (compared with the low 32 bits of a
   * random long) in the low 33 bits and its alias above them: one load per draw.
   */
  private final long[] packed;

  private final int[] small;
  private final int[] large;
  private final double[] scaled;

  /** The distribution of the last build; NaN (equal to nothing) before the first. */
  private final double[] built;

  AliasTable(int n) {
    this.n = n;
    this.probability = new double[n];
    this.packed = new long[n];
    this.small = new int[n];
    this.large = new int[n];
    this.scaled = new double[n];
    this.built = new double[n];
    Arrays.fill(built, Double.NaN);
  }

  /**
   * Rebuilds the table for a distribution.
   *
   * @param p n non-negative weights summing to about 1
   */
  void build(double[] p) {
    if (Arrays.equals(p, 0, n, built, 0, n)) {
      return;
    }
    System.arraycopy(p, 0, built, 0, n);
    double total = 0;
    for (int i = 0; i < n; i++) {
      total += p[i];
    }
    // Both stacks are written and one index advances: the small/large split is close to a coin
    // flip, which as a branch would be mispredicted about every other response.
    int s = 0;
    int l = 0;
    for (int i = 0; i < n; i++) {
      scaled[i] = p[i] * n / total;
      int less = below1(scaled[i]);
      small[s] = i;
      large[l] = i;
      s += less;
      l += 1 - less;
    }
    while (s > 0 && l > 0) {
      int less = small[--s];
      int more = large[--l];
      probability[less] = scaled[less];
      setAlias(less, more);
      scaled[more] = (scaled[more] + scaled[less]) - 1;
      int below = below1(scaled[more]);
      small[s] = more;
      large[l] = more;
      s += below;
      l += 1 - below;
    }
    // Leftovers are 1 up to rounding.
    while (l > 0) {
      int i = large[--l];
      probability[i] = 1;
      setAlias(i, i);
    }
    while (s > 0) {
      int i = small[--s];
      probability[i] = 1;
      setAlias(i, i);
    }
    for (int i = 0; i < n; i++) {
      packed[i] = (packed[i] & ~THRESHOLD) | (long) Math.ceil(probability[i] * 0x1.0p32);
    }
  }

  private void setAlias(int column, int alias) {
    packed[column] = (long) alias << 33;
  }

  /** 1 when v < 1, else 0 (v finite): the sign of v - 1, which is +0 when v is 1. */
  private static int below1(double v) {
    return (int) (Double.doubleToRawLongBits(v - 1) >>> 63);
  }

  /** The packed columns (read-only), for loops that draw with {@link #pick}. */
  long[] packed() {
    return packed;
  }

  /**
   * Draws an index: a uniform column, then the column itself or its alias.
   *
   * @param random the source of randomness
   * @return an index in [0, n)
   */
  int sample(SplitMix random) {
    return pick(packed, 0, n, random.nextLong());
  }

  /**
   * The index that the random long {@code bits} draws from the table of n packed columns at {@code
   * offset} of {@code table}. One draw serves both choices: the high 32 bits pick the column by
   * multiply-shift, the low 32 bits decide between the column and its alias (2^-32 resolution). The
   * choice is made with a sign mask rather than a branch: it is a coin flip the branch predictor
   * would miss often.
   */
  static int pick(long[] table, int offset, int n, long bits) {
    int column = (int) (((bits >>> 32) * n) >>> 32);
    long entry = table[offset + column];
    long keep = ((bits & 0xFFFFFFFFL) - (entry & THRESHOLD)) >> 63;
    int other = (int) (entry >>> 33);
    return other ^ ((other ^ column) & (int) keep);
  }
}
