package dpo.datasets.synthetic;

/**
 * A seeded pseudo-random permutation of {0, ..., size - 1}: a four-round Feistel network on the
 * smallest even number of bits that covers {@code size}, with cycle walking to stay in range. It
 * lets prompt i be a function of (seed, i) alone while distinct indices give distinct prompts, so
 * that a train range and a test range of indices never share a prompt.
 */
final class IndexPermutation {
  private static final int ROUNDS = 4;
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private final int size;
  private final int halfBits;
  private final int halfMask;
  private final long[] keys = new long[ROUNDS];

  IndexPermutation(int size, long seed) {
    if (size < 1) {
      throw new IllegalArgumentException("size must be >= 1, got " + size);
    }
    this.size = size;
    int bits = Math.max(2, 32 - Integer.numberOfLeadingZeros(size - 1));
    this.halfBits = (bits + 1) / 2;
    this.halfMask = (1 << halfBits) - 1;
    for (int r = 0; r < ROUNDS; r++) {
      keys[r] = mix64(seed + (r + 1) * GOLDEN_GAMMA);
    }
  }

  int apply(int index) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("index " + index + " is outside [0, " + size + ")");
    }
    // The network permutes the whole 2^(2 halfBits) domain; following the cycle from an index in
    // range always comes back into range, because the index itself lies on that cycle.
    int x = index;
    do {
      x = feistel(x);
    } while (x >= size);
    return x;
  }

  private int feistel(int x) {
    int left = x >>> halfBits;
    int right = x & halfMask;
    for (long key : keys) {
      int next = left ^ (int) (mix64(key ^ right) & halfMask);
      left = right;
      right = next;
    }
    return (left << halfBits) | right;
  }

  /** A bijective 64-bit finaliser (Stafford's variant 13, as used by SplittableRandom). */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
