package dpo.backend.gpu.lm;

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
  private final Integer[] order;

  /** Whether each token may be drawn: false for {@link GenerationConfig#suppressed()} ones. */
  private final boolean[] allowed;

  TokenSampler(GenerationConfig config, int vocabulary) {
    this.config = config;
    this.weights = new double[vocabulary];
    this.order = new Integer[vocabulary];
    this.allowed = new boolean[vocabulary];
    java.util.Arrays.fill(allowed, true);
    int kept = vocabulary;
    for (int id : config.suppressed()) {
      if (id < vocabulary && allowed[id]) {
        allowed[id] = false;
        kept--;
      }
    }
    if (kept == 0) {
      throw new dpo.api.ConfigurationException(
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
    double total = 0;
    for (int i = 0; i < vocabulary; i++) {
      // A suppressed token has probability 0: the others are renormalised among themselves.
      weights[i] = allowed[i] ? Math.exp((logits[offset + i] - max) / config.temperature()) : 0;
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

  /** Zeroes the weights outside top-k and top-p; returns the kept total. */
  private double truncate() {
    int vocabulary = weights.length;
    for (int i = 0; i < vocabulary; i++) {
      order[i] = i;
    }
    // Descending weight; ties by token id so truncation is deterministic.
    Arrays.sort(
        order,
        (a, b) ->
            weights[a] != weights[b]
                ? Double.compare(weights[b], weights[a])
                : Integer.compare(a, b));
    int keep = config.topK() > 0 ? Math.min(config.topK(), vocabulary) : vocabulary;
    if (config.topP() < 1) {
      // top-p on the renormalised top-k distribution (the order transformers applies them in)
      double topK = 0;
      for (int r = 0; r < keep; r++) {
        topK += weights[order[r]];
      }
      double needed = config.topP() * topK;
      double cumulative = 0;
      int nucleus = 0;
      while (nucleus < keep && cumulative < needed) {
        cumulative += weights[order[nucleus++]];
      }
      keep = Math.max(1, nucleus);
    }
    double kept = 0;
    for (int r = 0; r < vocabulary; r++) {
      if (r < keep) {
        kept += weights[order[r]];
      } else {
        weights[order[r]] = 0;
      }
    }
    return kept;
  }
}
