package dpo.backend.cpu;

import java.util.SplittableRandom;

/**
 * The stream of {@code parent.split()}, as a plain (seed, gamma) pair that a sampling loop can keep
 * in registers. {@link SplittableRandom} is SplitMix64 (Steele, Lea and Flood, "Fast Splittable
 * Pseudorandom Number Generators", OOPSLA 2014): {@code nextLong()} is mix64(seed += gamma) and
 * {@code split()} is a child with seed {@code nextLong()} and gamma mixGamma(seed += gamma). Its
 * state is private, but mix64 is a bijection, so two {@code nextLong()} calls on the parent advance
 * it exactly as {@code split()} does and reveal both of the child's values. The draws of a SplitMix
 * are those of the split child, bit for bit (SplitMixTest checks them against the JDK's), so the
 * sampled step keeps the draws it had when it held the child itself.
 */
final class SplitMix {
  long seed;
  long gamma;

  /**
   * Takes the place of {@code parent.split()}: advances {@code parent} as that call does and
   * becomes the stream of the child it would return.
   */
  void splitFrom(SplittableRandom parent) {
    seed = parent.nextLong();
    gamma = mixGamma(unmix64(parent.nextLong()));
  }

  /** As {@link SplittableRandom#nextLong()}. */
  long nextLong() {
    return mix64(seed += gamma);
  }

  /** As {@link SplittableRandom#nextDouble()}: the top 53 bits of {@link #nextLong()}. */
  double nextDouble() {
    return toDouble(nextLong());
  }

  /** A uniform double in [0, 1) from the top 53 bits of a draw, as nextDouble() makes it. */
  static double toDouble(long bits) {
    return (bits >>> 11) * 0x1.0p-53;
  }

  /** Stafford's variant 13 of MurmurHash3's finaliser, SplittableRandom's output function. */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** The inverse of {@link #mix64}: each xor-shift and odd multiplier undone in reverse order. */
  static long unmix64(long z) {
    z = unshift(z, 31);
    z *= inverse(0x94d049bb133111ebL);
    z = unshift(z, 27);
    z *= inverse(0xbf58476d1ce4e5b9L);
    return unshift(z, 30);
  }

  /** SplittableRandom's gamma of a child: odd, with enough bit transitions. */
  private static long mixGamma(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    z = (z ^ (z >>> 33)) | 1L;
    int transitions = Long.bitCount(z ^ (z >>> 1));
    return transitions < 24 ? z ^ 0xaaaaaaaaaaaaaaaaL : z;
  }

  /** x such that x ^ (x >>> shift) = z. */
  private static long unshift(long z, int shift) {
    long x = z;
    for (int i = shift; i < 64; i += shift) {
      x = z ^ (x >>> shift);
    }
    return x;
  }

  /** The multiplicative inverse of an odd number modulo 2^64 (Newton's iteration). */
  private static long inverse(long odd) {
    long x = odd;
    for (int i = 0; i < 6; i++) {
      x *= 2 - odd * x;
    }
    return x;
  }
}
