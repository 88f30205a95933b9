package dpo.backend.gpu.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import dpo.api.lm.GenerationConfig;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The sampler's truncation selects the largest weights instead of sorting the vocabulary; its draws
 * must equal, token for token, those of the definition: rank every token by descending weight (ties
 * by id), keep the first k, then the nucleus, renormalise, draw.
 */
class TokenSamplerTest {
  static final int VOCABULARY = 300;

  @Test
  void truncatedDrawsEqualThoseOfAFullSortByRank() {
    SplittableRandom rows = new SplittableRandom(7);
    int[] topKs = {0, 1, 2, 5, 50, VOCABULARY - 1, VOCABULARY, VOCABULARY + 10};
    double[] topPs = {1.0, 0.999, 0.9, 0.5, 0.01};
    double[] temperatures = {0.7, 1.0, 3.0};
    int compared = 0;
    for (int k : topKs) {
      for (double p : topPs) {
        for (double t : temperatures) {
          GenerationConfig config =
              new GenerationConfig(1, t, k, p, -1, 0).suppressing(3, 17, VOCABULARY - 1);
          TokenSampler sampler = new TokenSampler(config, VOCABULARY);
          for (int row = 0; row < 6; row++) {
            float[] logits = logits(rows, row);
            for (long seed = 0; seed < 25; seed++) {
              int expected = byFullSort(config, logits, new SplittableRandom(seed));
              assertEquals(
                  expected,
                  sampler.next(logits, 0, new SplittableRandom(seed)),
                  "top-k " + k + ", top-p " + p + ", temperature " + t + ", row " + row);
              compared++;
            }
          }
        }
      }
    }
    assertEquals(topKs.length * topPs.length * temperatures.length * 6 * 25, compared);
  }

  /**
   * Suppressed ids past the vocabulary are ignored; suppressing every token is refused; the one
   * token left is always drawn, greedy or sampled.
   */
  @Test
  void suppressedTokensAreNeverDrawnAndSuppressingAllIsRefused() {
    float[] logits = {5f, 1f, 3f};
    ConfigurationException all =
        assertThrows(
            ConfigurationException.class,
            () ->
                new TokenSampler(new GenerationConfig(1, 1, 0, 1, -1, 0).suppressing(0, 1, 2), 3));
    assertTrue(
        all.getMessage().contains("every token of the vocabulary is suppressed"), all.getMessage());
    for (double temperature : new double[] {0, 0.5, 1}) {
      TokenSampler sampler =
          new TokenSampler(
              new GenerationConfig(1, temperature, 0, 1, -1, 0).suppressing(0, 2, 7), 3);
      SplittableRandom random = new SplittableRandom(3);
      for (int draw = 0; draw < 20; draw++) {
        assertEquals(1, sampler.next(logits, 0, random), "temperature " + temperature);
      }
    }
  }

  /**
   * Rows with many ties (a few distinct values) and rows of distinct values; the ties are where a
   * selection by value alone could keep the wrong ids.
   */
  static float[] logits(SplittableRandom random, int row) {
    float[] logits = new float[VOCABULARY];
    for (int i = 0; i < VOCABULARY; i++) {
      logits[i] =
          row % 2 == 0
              ? random.nextInt(4) * 0.5f - 2 // four values: every rank boundary is a tie
              : (float) random.nextGaussian() * 3;
    }
    return logits;
  }

  /** The definition, sorting every token id by rank. */
  static int byFullSort(GenerationConfig config, float[] logits, SplittableRandom random) {
    int vocabulary = logits.length;
    boolean[] allowed = new boolean[vocabulary];
    Arrays.fill(allowed, true);
    for (int id : config.suppressed()) {
      allowed[id] = false;
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocabulary; i++) {
      if (allowed[i]) {
        max = Math.max(max, logits[i]);
      }
    }
    double[] w = new double[vocabulary];
    for (int i = 0; i < vocabulary; i++) {
      w[i] = allowed[i] ? Math.exp((logits[i] - max) / config.temperature()) : 0;
    }
    double total = 0;
    for (double x : w) {
      total += x;
    }
    boolean truncate = (config.topK() > 0 && config.topK() < vocabulary) || config.topP() < 1;
    if (truncate) {
      total = truncate(config, w);
    }
    double u = random.nextDouble() * total;
    double cumulative = 0;
    int last = 0;
    for (int i = 0; i < vocabulary; i++) {
      if (w[i] > 0) {
        cumulative += w[i];
        last = i;
        if (u < cumulative) {
          return i;
        }
      }
    }
    return last;
  }

  /** Zeroes the weights outside top-k and top-p, ranking by a sort of every id; the kept total. */
  static double truncate(GenerationConfig config, double[] w) {
    int vocabulary = w.length;
    Integer[] order = new Integer[vocabulary];
    for (int i = 0; i < vocabulary; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> w[a] != w[b] ? Double.compare(w[b], w[a]) : Integer.compare(a, b));
    int keep = config.topK() > 0 ? Math.min(config.topK(), vocabulary) : vocabulary;
    if (config.topP() < 1) {
      double topK = 0;
      for (int r = 0; r < keep; r++) {
        topK += w[order[r]];
      }
      double cumulative = 0;
      int nucleus = 0;
      while (nucleus < keep && cumulative < config.topP() * topK) {
        cumulative += w[order[nucleus++]];
      }
      keep = Math.max(1, nucleus);
    }
    double total = 0;
    for (int r = 0; r < vocabulary; r++) {
      if (r < keep) {
        total += w[order[r]];
      } else {
        w[order[r]] = 0;
      }
    }
    return total;
  }
}
