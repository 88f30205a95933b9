package dpo.backend.cpu;

import static dpo.backend.cpu.CpuTabularPolicyTest.logSoftmax;
import static dpo.backend.cpu.CpuTabularPolicyTest.sampler;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.objective.LogisticForm;
import dpo.api.sampler.Sampler;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The realised weights against docs/method.md's formulas, evaluated directly pair by pair. */
class PairWeightsTest {
  private static final int Y = 8;
  private static final double BETA = 3;
  private final SplittableRandom random = new SplittableRandom(2024);
  private final double[] rewards = gaussian(1.0);
  private final double[] theta = gaussian(0.7);
  private final double[] logPi = logSoftmax(theta);

  private double[] gaussian(double scale) {
    double[] v = new double[Y];
    for (int i = 0; i < Y; i++) {
      v[i] = scale * random.nextGaussian();
    }
    return v;
  }

  /** Checks W = C / sum C for an unnormalised C given pair by pair, and returns sum C. */
  private double assertMatches(String id, DoubleBinary c) {
    PairWeights w = new PairWeights(Y);
    w.prepare(sampler(id), logPi, -Math.log(Y), rewards, BETA);
    double z = 0;
    for (int a = 0; a < Y; a++) {
      for (int b = 0; b < Y; b++) {
        z += c.at(a, b);
      }
    }
    for (int a = 0; a < Y; a++) {
      for (int b = 0; b < Y; b++) {
        assertEquals(c.at(a, b) / z, w.weight(a, b), 1e-14, id + " at (" + a + "," + b + ")");
      }
    }
    return z;
  }

  interface DoubleBinary {
    double at(int a, int b);
  }

  private static double mix(double u) {
    return 2 + Math.exp(u) + Math.exp(-u);
  }

  @Test
  void paperSamplersMatchTheirDefinitions() {
    // The paper defines Z through C, and the Newton step eta = Z / (2 beta^2 Y) depends on it.
    assertPartition("dpo-unif", assertMatches("dpo-unif", (a, b) -> 1));
    double zr = assertMatches("dpo-mix-r", (a, b) -> mix(rewards[a] - rewards[b]));
    double zp = assertMatches("dpo-mix-p", (a, b) -> mix(BETA * (theta[a] - theta[b])));
    double range = 0;
    for (int a = 0; a < Y; a++) {
      for (int b = 0; b < Y; b++) {
        range = Math.max(range, rewards[a] - rewards[b]);
      }
    }
    double cap = mix(range);
    double zs =
        assertMatches("dpo-mix-p-star", (a, b) -> Math.min(mix(BETA * (theta[a] - theta[b])), cap));
    assertPartition("dpo-mix-r", zr);
    assertPartition("dpo-mix-p", zp);
    assertPartition("dpo-mix-p-star", zs);
    // Also 1 / (sigma(dr) sigma(-dr)): the identity the paper states.
    assertEquals(
        zr,
        sumOver(
            (a, b) -> {
              double s = LogisticForm.sigmoid(rewards[a] - rewards[b]);
              return 1 / (s * (1 - s));
            }),
        1e-9 * zr);
    assertTrue(zp > 4 * Y * Y - 1e-9, "Z of Mix-P is at least 4 Y^2");
  }

  private void assertPartition(String id, double z) {
    PairWeights w = new PairWeights(Y);
    w.prepare(sampler(id), logPi, -Math.log(Y), rewards, BETA);
    assertEquals(Math.log(z), w.logPartition(), 1e-12, id + ": log Z");
  }

  private double sumOver(DoubleBinary c) {
    double z = 0;
    for (int a = 0; a < Y; a++) {
      for (int b = 0; b < Y; b++) {
        z += c.at(a, b);
      }
    }
    return z;
  }

  @Test
  void baselinesMatchTheirDefinitions() {
    assertMatches("on-policy", (a, b) -> Math.exp(logPi[a] + logPi[b]));
    assertMatches("vanilla", (a, b) -> 1);
    assertMatches("hybrid", (a, b) -> Math.exp(logPi[b]));
    assertMatches("mix-p", (a, b) -> Math.exp(1.5 * logPi[a] + 0.5 * logPi[b]));
  }

  @Test
  void mixRIsTheStatedMixtureOfAUniformPairAndTheRewardTiltedPair() {
    PairWeights w = new PairWeights(Y);
    w.prepare(sampler("dpo-mix-r"), logPi, -Math.log(Y), rewards, BETA);
    double[] up = new double[Y];
    double[] down = new double[Y];
    double su = 0;
    double sd = 0;
    for (int i = 0; i < Y; i++) {
      up[i] = Math.exp(rewards[i]);
      down[i] = Math.exp(-rewards[i]);
      su += up[i];
      sd += down[i];
    }
    // Shares: the uniform pair 2 Y^2 / Z, each ordering of (softmax(r), softmax(-r)) S+ S- / Z.
    double z = 2.0 * Y * Y + 2 * su * sd;
    double uniformShare = 2.0 * Y * Y / z;
    for (int a = 0; a < Y; a++) {
      for (int b = 0; b < Y; b++) {
        double tilted = (up[a] / su) * (down[b] / sd) + (down[a] / sd) * (up[b] / su);
        double expected = uniformShare / (Y * Y) + (1 - uniformShare) / 2 * tilted;
        assertEquals(expected, w.weight(a, b), 1e-15);
      }
    }
    assertEquals(Math.log(z), w.logPartition(), 1e-12);
  }

  @Test
  void halfMixturesHaveFixedShares() {
    PairWeights w = new PairWeights(Y);
    w.prepare(sampler("half-mix-r"), logPi, -Math.log(Y), rewards, BETA);
    double su = 0;
    double sd = 0;
    for (double r : rewards) {
      su += Math.exp(r);
      sd += Math.exp(-r);
    }
    for (int a = 0; a < Y; a++) {
      for (int b = 0; b < Y; b++) {
        double expected =
            0.5 / (Y * Y) + 0.5 * Math.exp(rewards[a]) / su * Math.exp(-rewards[b]) / sd;
        assertEquals(expected, w.weight(a, b), 1e-15);
      }
    }
  }

  @Test
  void extremeLogitsAndRewardsStayFinite() {
    double[] bigTheta = new double[Y];
    double[] bigRewards = new double[Y];
    for (int i = 0; i < Y; i++) {
      bigTheta[i] = (i % 2 == 0 ? 700 : -700) / BETA;
      bigRewards[i] = i % 3 == 0 ? 50 : -50;
    }
    double[] lp = logSoftmax(bigTheta);
    for (String id : new String[] {"dpo-mix-r", "dpo-mix-p", "dpo-mix-p-star", "mix-p"}) {
      Sampler s = sampler(id);
      PairWeights w = new PairWeights(Y);
      w.prepare(s, lp, -Math.log(Y), bigRewards, BETA);
      double sum = 0;
      for (int a = 0; a < Y; a++) {
        for (int b = 0; b < Y; b++) {
          assertTrue(Double.isFinite(w.weight(a, b)), id);
          sum += w.weight(a, b);
        }
      }
      assertEquals(1, sum, 1e-12, id);
      assertTrue(Double.isFinite(w.logPartition()), id);
    }
  }

  @Test
  void sampledPairFrequenciesMatchTheWeights() {
    // Slopes 0.1 and 0.8: the capped sampler draws by rejection at the first, by rows at the
    // second.
    for (double slope : new double[] {0.1, 0.8})
      for (String id : new String[] {"dpo-mix-p", "dpo-mix-p-star", "hybrid"}) {
        PairWeights w = new PairWeights(Y);
        double[] t = new double[Y];
        for (int i = 0; i < Y; i++) {
          t[i] = slope * i - 3;
        }
        w.prepare(sampler(id), logSoftmax(t), -Math.log(Y), rewards, BETA);
        int n = 400_000;
        long[] counts = new long[Y * Y];
        SplitMix r = new SplitMix();
        r.splitFrom(new SplittableRandom(99));
        for (int i = 0; i < n; i++) {
          w.sample(r);
          counts[w.first() * Y + w.second()]++;
        }
        // Pearson chi-square over cells with expected count >= 5; dof < 64, so 130 is far in the
        // tail.
        double chi2 = 0;
        for (int a = 0; a < Y; a++) {
          for (int b = 0; b < Y; b++) {
            double expected = n * w.weight(a, b);
            if (expected >= 5) {
              double d = counts[a * Y + b] - expected;
              chi2 += d * d / expected;
            }
          }
        }
        assertTrue(chi2 < 130, id + " at slope " + slope + ": chi-square " + chi2);
      }
  }
}
