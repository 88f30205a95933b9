package dpo.datasets.prompts;

import java.util.ArrayList;
import java.util.List;

/**
 * A seeded shuffle that gives the same order for the same seed on every JVM and platform.
 *
 * <p>The algorithm, fixed so that a shuffle can be reproduced anywhere: a SplitMix64 generator
 * (state starts at the seed; each draw adds 0x9E3779B97F4A7C15 to the state and returns the state
 * mixed by {@code z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >>> 27)) *
 * 0x94D049BB133111EB; z ^ (z >>> 31)}) drives a Fisher-Yates shuffle from the last position down:
 * for {@code i = n-1, ..., 1}, swap position {@code i} with {@code j}, uniform in {@code [0, i]}.
 * {@code j} is the top 63 bits of a draw modulo {@code i+1}, redrawn while the draw falls in the
 * incomplete last block of size {@code 2^63 mod (i+1)}, so that every {@code j} is equally likely.
 */
public final class Shuffle {
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private long state;

  private Shuffle(long seed) {
    this.state = seed;
  }

  /**
   * The positions {@code 0..n-1} in shuffled order.
   *
   * @param n how many positions
   * @param seed the seed
   * @return a permutation of {@code 0..n-1}
   */
  public static int[] permutation(int n, long seed) {
    if (n < 0) {
      throw new IllegalArgumentException("n must be >= 0, got " + n);
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Shuffle random = new Shuffle(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = (int) random.below(i + 1L);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order;
  }

  /**
   * A shuffled copy of a list.
   *
   * @param <T> the element type
   * @param items the items; not changed
   * @param seed the seed
   * @return a new list with the items in shuffled order
   */
  public static <T> List<T> shuffled(List<T> items, long seed) {
    int[] order = permutation(items.size(), seed);
    List<T> out = new ArrayList<>(items.size());
    for (int i : order) {
      out.add(items.get(i));
    }
    return out;
  }

  private long nextLong() {
    long z = (state += GOLDEN_GAMMA);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in {@code [0, bound)}, by rejection of the incomplete last block. */
  private long below(long bound) {
    long r = nextLong() >>> 1;
    long value = r % bound;
    // r - value is the start of r's block; the block is incomplete if it runs past 2^63.
    while (r - value + (bound - 1) < 0) {
      r = nextLong() >>> 1;
      value = r % bound;
    }
    return value;
  }
}
