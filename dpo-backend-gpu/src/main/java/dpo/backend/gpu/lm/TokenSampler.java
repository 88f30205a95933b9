package dpo.backend.gpu.lm;

import dpo.api.ConfigurationException;
import dpo.api.lm.GenerationConfig;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from one row of logits on the host: greedy, or temperature with top-k and
 * top-p truncation. Host-side so that the draws depend only on the logits and the seed, never on
 * the device.
 */
final class TokenSampler {
  private final GenerationConfig config;
  private final double[] weights;

  /** The largest weights of a row in descending order, for truncation. */
  private final double[] top;

  /** The bits of a row's weights, and the radix sort's second buffer (top-p alone). */
  private final long[] keys;

  private final long[] sorted;

  /** Whether each token may be drawn: false for {@link GenerationConfig#suppressed()} ones. */
  private final boolean[] allowed;

  /** The suppressed tokens inside the vocabulary, ascending. */
  private final int[] suppressed;

  TokenSampler(GenerationConfig config, int vocabulary) {
    this.config = config;
    this.weights = new double[vocabulary];
    this.top = new double[vocabulary];
    boolean sortsAll = config.topP() < 1 && (config.topK() == 0 || config.topK() >= vocabulary);
    this.keys = new long[sortsAll ? vocabulary : 0];
    this.sorted = new long[sortsAll ? vocabulary : 0];
    // GenerationConfig keeps its suppressed ids distinct and ascending.
    this.suppressed =
        config.suppressed().stream()
            .mapToInt(Integer::intValue)
            .filter(id -> id < vocabulary)
            .toArray();
    this.allowed = new boolean[vocabulary];
    Arrays.fill(allowed, true);
    for (int id : suppressed) {
      allowed[id] = false;
    }
    if (suppressed.length == vocabulary) {
      throw new ConfigurationException(
          "suppressed", "every token of the vocabulary is suppressed; nothing can be generated");
    }
  }

  /** The next token of the row {@code logits[offset, offset + vocabulary)}. */
  int next(float[] logits, int offset, SplittableRandom random) {
    int vocabulary = weights.length;
    if (config.isGreedy()) {
      int best = -1;
      for (int i = 0; i < vocabulary; i++) {
        if (allowed[i] && (best < 0 || logits[offset + i] > logits[offset + best])) {
          best = i;
        }
      }
      return best;
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocabulary; i++) {
      if (allowed[i]) {
        max = Math.max(max, logits[offset + i]);
      }
    }
    // Every token's weight in one branch-free loop (x / 1 is x, so temperature 1 skips the
    // division), then the suppressed ones zeroed: probability 0, the others renormalised among
    // themselves. The total is summed in token order, as one loop doing all three would: the same
    // bits at about half the cost.
    double temperature = config.temperature();
    if (temperature == 1) {
      for (int i = 0; i < vocabulary; i++) {
        weights[i] = Math.exp(logits[offset + i] - max);
      }
    } else {
      for (int i = 0; i < vocabulary; i++) {
        weights[i] = Math.exp((logits[offset + i] - max) / temperature);
      }
    }
    for (int id : suppressed) {
      weights[id] = 0;
    }
    double total = 0;
    for (int i = 0; i < vocabulary; i++) {
      total += weights[i];
    }
    boolean truncate = (config.topK() > 0 && config.topK() < vocabulary) || config.topP() < 1;
    if (truncate) {
      total = truncate();
    }
    double u = random.nextDouble() * total;
    double cumulative = 0;
    int last = 0;
    for (int i = 0; i < vocabulary; i++) {
      if (weights[i] > 0) {
        cumulative += weights[i];
        last = i;
        if (u < cumulative) {
          return i;
        }
      }
    }
    return last; // u within rounding of the total
  }

  /**
   * Zeroes the weights outside top-k and top-p; returns the kept total. Tokens are ranked by
   * descending weight, ties by ascending id. Only the ranked values enter the sums, so selecting
   * the k largest values (or sorting them all for top-p alone) gives the same kept set and total,
   * bit for bit, as sorting the whole vocabulary by rank, at a fraction of its cost.
   */
  private double truncate() {
    int vocabulary = weights.length;
    int keep = config.topK() > 0 ? Math.min(config.topK(), vocabulary) : vocabulary;
    largest(keep);
    if (config.topP() < 1) {
      // top-p on the renormalised top-k distribution (the order transformers applies them in)
      double topK = 0;
      for (int r = 0; r < keep; r++) {
        topK += top[r];
      }
      double needed = config.topP() * topK;
      double cumulative = 0;
      int nucleus = 0;
      while (nucleus < keep && cumulative < needed) {
        cumulative += top[nucleus++];
      }
      keep = Math.max(1, nucleus);
    }
    double kept = 0;
    for (int r = 0; r < keep; r++) {
      kept += top[r];
    }
    // Kept: every token above the last kept value and, of the tokens equal to it, as many as the
    // kept ranks hold, lowest ids first.
    double last = top[keep - 1];
    int ties = 0;
    for (int r = keep - 1; r >= 0 && top[r] == last; r--) {
      ties++;
    }
    for (int i = 0; i < vocabulary; i++) {
      if (weights[i] > last) {
        continue;
      }
      if (weights[i] == last && ties > 0) {
        ties--;
        continue;
      }
      weights[i] = 0;
    }
    return kept;
  }

  /** Puts the {@code keep} largest weights into {@code top[0, keep)}, descending. */
  private void largest(int keep) {
    if (keep == weights.length) {
      sortAscending();
    } else {
      // A min-heap of the largest weights seen so far: most tokens fail the one comparison.
      int size = 0;
      for (double w : weights) {
        if (size < keep) {
          int at = size++;
          while (at > 0 && top[(at - 1) / 2] > w) {
            top[at] = top[(at - 1) / 2];
            at = (at - 1) / 2;
          }
          top[at] = w;
        } else if (w > top[0]) {
          int at = 0;
          while (true) {
            int child = 2 * at + 1;
            if (child >= keep) {
              break;
            }
            if (child + 1 < keep && top[child + 1] < top[child]) {
              child++;
            }
            if (top[child] >= w) {
              break;
            }
            top[at] = top[child];
            at = child;
          }
          top[at] = w;
        }
      }
      Arrays.sort(top, 0, keep);
    }
    for (int i = 0, j = keep - 1; i < j; i++, j--) {
      double t = top[i];
      top[i] = top[j];
      top[j] = t;
    }
  }

  /**
   * Puts every weight into {@code top}, ascending. The weights are >= 0, and the bits of
   * non-negative doubles, read as longs, order them as their values do; so a
   * least-significant-digit radix sort of the bits, a byte a pass (skipping the bytes every weight
   * shares), sorts them in a few linear passes where {@link Arrays#sort(double[])} compares its way
   * through a 49,152-token vocabulary for every row of every step.
   */
  private void sortAscending() {
    int n = weights.length;
    long[] from = keys;
    long[] to = sorted;
    long same = -1L; // bits every weight shares
    long first = Double.doubleToRawLongBits(weights[0]);
    for (int i = 0; i < n; i++) {
      from[i] = Double.doubleToRawLongBits(weights[i]);
      same &= ~(from[i] ^ first);
    }
    int[] counts = new int[257];
    for (int shift = 0; shift < 64; shift += 8) {
      if (((same >>> shift) & 0xFF) == 0xFF) {
        continue; // every weight has this byte
      }
      Arrays.fill(counts, 0);
      for (int i = 0; i < n; i++) {
        counts[(int) ((from[i] >>> shift) & 0xFF) + 1]++;
      }
      for (int d = 0; d < 256; d++) {
        counts[d + 1] += counts[d];
      }
      for (int i = 0; i < n; i++) {
        to[counts[(int) ((from[i] >>> shift) & 0xFF)]++] = from[i];
      }
      long[] t = from;
      from = to;
      to = t;
    }
    for (int i = 0; i < n; i++) {
      top[i] = Double.longBitsToDouble(from[i]);
    }
  }
}
