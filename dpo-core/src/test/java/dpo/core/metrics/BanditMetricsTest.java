package dpo.core.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** BanditMetrics against docs/method.md's definitions, evaluated the slow, obvious way. */
class BanditMetricsTest {
  private static final int[] SIZES = {2, 3, 7, 20, 50};
  private static final double[] BETAS = {0.1, 1, 3};

  @Test
  void meanAbsolutePairwiseDifferenceMatchesTheQuadraticDefinition() {
    Random rnd = new Random(11);
    for (int n = 1; n <= 50; n++) {
      for (int rep = 0; rep < 4; rep++) {
        double[] v = new double[n + 3];
        for (int i = 0; i < n; i++) {
          double x = rnd.nextGaussian() * 3;
          // Every other repetition has ties, which the sorted formula must also get right.
          v[i] = rep % 2 == 0 ? x : Math.rint(x);
        }
        // Values past n must be ignored and left alone.
        v[n] = 1e6;
        v[n + 1] = -1e6;
        v[n + 2] = 42;
        double expected = 0;
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            expected += Math.abs(v[i] - v[j]);
          }
        }
        expected /= (double) n * n;
        double actual = BanditMetrics.meanAbsolutePairwiseDifference(v, n);
        assertEquals(expected, actual, 1e-12 * (1 + expected), "n=" + n + " rep=" + rep);
        assertArrayEquals(new double[] {1e6, -1e6, 42}, Arrays.copyOfRange(v, n, n + 3));
      }
    }
  }

  @Test
  void metricsMatchTheDefinitionsFarFromTheOptimum() {
    Random rnd = new Random(7);
    for (int size : SIZES) {
      for (double beta : BETAS) {
        for (int rep = 0; rep < 3; rep++) {
          double[] r = gaussians(rnd, size, 1);
          double[] logPi = logSoftmax(gaussians(rnd, size, 2));
          double[] rCopy = r.clone();
          double[] logPiCopy = logPi.clone();

          BanditMetrics m = BanditMetrics.of(logPi, r, beta, new double[size + 5]);

          String where = "Y=" + size + " beta=" + beta + " rep=" + rep;
          assertClose(paramDiff(logPi, r, beta), m.paramDiff(), where + " paramDiff");
          assertClose(value(logPi, r, beta), m.value(), where + " value");
          double valueDiff = value(logSoftmax(over(r, beta)), r, beta) - value(logPi, r, beta);
          assertTrue(valueDiff > 1e-4, "test setup: policy too close to the optimum " + where);
          assertClose(valueDiff, m.valueDiff(), where + " valueDiff");
          assertArrayEquals(rCopy, r, "rewards modified");
          assertArrayEquals(logPiCopy, logPi, "log policy modified");
        }
      }
    }
  }

  @Test
  void metricsVanishAtTheOptimum() {
    Random rnd = new Random(8);
    for (int size : SIZES) {
      for (double beta : BETAS) {
        double[] r = gaussians(rnd, size, 1);
        double[] logOpt = logSoftmax(over(r, beta));
        BanditMetrics m = BanditMetrics.of(logOpt, r, beta, new double[size]);
        String where = "Y=" + size + " beta=" + beta;
        assertTrue(Math.abs(m.paramDiff()) < 1e-12, where + " paramDiff " + m.paramDiff());
        assertTrue(Math.abs(m.valueDiff()) < 1e-12, where + " valueDiff " + m.valueDiff());
        // V(pi*) = beta log sum exp(r / beta).
        assertClose(beta * logSumExp(over(r, beta)), m.value(), where + " value");
      }
    }
  }

  @Test
  void valueDiffKeepsItsPrecisionNextToTheOptimum() {
    // A direct V(pi*) - V(pi) of order 1e-14 would be rounding noise of two O(1) values.
    Random rnd = new Random(9);
    for (int size : SIZES) {
      for (double beta : BETAS) {
        double[] r = gaussians(rnd, size, 1);
        double[] a = over(r, beta);
        double[] z = new double[size];
        for (int y = 0; y < size; y++) {
          z[y] = a[y] + 1e-7 * rnd.nextGaussian();
        }
        double[] logPi = logSoftmax(z);

        BanditMetrics m = BanditMetrics.of(logPi, r, beta, new double[size]);

        String where = "Y=" + size + " beta=" + beta;
        double secondOrder = beta * halfVarianceUnderOptimum(z, a);
        assertTrue(secondOrder > 0 && secondOrder < 1e-12, "test setup: " + where);
        assertTrue(m.valueDiff() > 0, where + " valueDiff " + m.valueDiff());
        assertEquals(secondOrder, m.valueDiff(), 1e-5 * secondOrder, where);
        if (beta >= 1) {
          // Where pi* is not too peaked, sum pi log(pi / pi*) itself is accurate enough.
          double kl = beta * klNearOptimum(z, a);
          assertEquals(kl, m.valueDiff(), 1e-4 * kl, where + " vs sum pi log(pi / pi*)");
        }
      }
    }
  }

  /**
   * At the uniform start of a study with a small beta (or a wide reward range), log pi*(y) can be
   * below -700 for some y, so pi*(y) underflows while pi(y) / pi*(y) overflows. The true Value Diff
   * is finite there; a term evaluated as pi*_y phi(delta_y) would give 0 * inf = NaN or inf.
   */
  @Test
  void valueDiffIsFiniteWhenTheOptimumIsExtremelyPeaked() {
    double[] uniform = {Math.log(0.5), Math.log(0.5)};
    // beta 0.01, rewards {0, 10}: log pi*(0) = -1000; V* - V = 0.01 * (500 + log 0.5) = 4.993...
    // beta 0.1, rewards {0, 71}: log pi*(0) = -710.
    double[][] cases = {{0.01, 0, 10}, {0.1, 0, 71}};
    for (double[] c : cases) {
      double beta = c[0];
      double[] r = {c[1], c[2]};
      double direct = value(logSoftmax(over(r, beta)), r, beta) - value(uniform, r, beta);
      double valueDiff = BanditMetrics.of(uniform, r, beta, new double[2]).valueDiff();
      assertEquals(direct, valueDiff, 1e-10 * direct, "beta=" + beta + " r=" + Arrays.toString(r));
    }
    // Random policies over 20 responses where most of pi* underflows.
    Random rnd = new Random(10);
    for (double beta : new double[] {0.003, 0.01}) {
      for (int rep = 0; rep < 3; rep++) {
        double[] r = gaussians(rnd, 20, 1);
        double[] logPi = logSoftmax(gaussians(rnd, 20, 2));
        double direct = value(logSoftmax(over(r, beta)), r, beta) - value(logPi, r, beta);
        BanditMetrics m = BanditMetrics.of(logPi, r, beta, new double[20]);
        assertClose(direct, m.valueDiff(), "beta=" + beta + " rep=" + rep);
        assertClose(paramDiff(logPi, r, beta), m.paramDiff(), "beta=" + beta + " rep=" + rep);
      }
    }
  }

  /**
   * KL(pi || pi*) = sum pi_y log(pi_y / pi*_y) for pi = softmax(z) and pi* = softmax(a) with z - a
   * tiny, where log(pi_y / pi*_y) = e_y - c with e = z - a and c = log sum pi*_y e^(e_y), so that
   * the log-ratios keep their relative precision (subtracting log-probabilities of order 1 one by
   * one would not).
   */
  private static double klNearOptimum(double[] z, double[] a) {
    double[] logOpt = logSoftmax(a);
    double s = 0;
    double[] e = new double[z.length];
    for (int y = 0; y < z.length; y++) {
      e[y] = z[y] - a[y];
      s += Math.exp(logOpt[y]) * Math.expm1(e[y]);
    }
    double c = Math.log1p(s);
    double kl = 0;
    for (int y = 0; y < z.length; y++) {
      double logRatio = e[y] - c;
      kl += Math.exp(logOpt[y] + logRatio) * logRatio;
    }
    return kl;
  }

  /**
   * KL(softmax(a + e) || softmax(a)) = Var_q(e) / 2 + O(e^3), q = softmax(a): the second-order
   * expansion, accurate to a relative O(|e|) ~ 1e-7 here. Unlike sum pi log(pi / pi*), whose
   * first-order terms cancel, every term is non-negative, so it stays accurate when pi* is very
   * peaked (small beta), where sum pi log(pi / pi*) loses several digits.
   */
  private static double halfVarianceUnderOptimum(double[] z, double[] a) {
    double[] logOpt = logSoftmax(a);
    double mean = 0;
    for (int y = 0; y < z.length; y++) {
      mean += Math.exp(logOpt[y]) * (z[y] - a[y]);
    }
    double var = 0;
    for (int y = 0; y < z.length; y++) {
      double d = z[y] - a[y] - mean;
      var += Math.exp(logOpt[y]) * d * d;
    }
    return var / 2;
  }

  /** Mean over all Y * Y ordered pairs of |d_y - d_y'|, d = r - beta log pi. */
  private static double paramDiff(double[] logPi, double[] r, double beta) {
    int n = r.length;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        sum += Math.abs((r[i] - beta * logPi[i]) - (r[j] - beta * logPi[j]));
      }
    }
    return sum / (n * n);
  }

  /** V(pi) = sum_y pi_y (r_y - beta log pi_y). */
  private static double value(double[] logPi, double[] r, double beta) {
    double v = 0;
    for (int y = 0; y < r.length; y++) {
      v += Math.exp(logPi[y]) * (r[y] - beta * logPi[y]);
    }
    return v;
  }

  private static void assertClose(double expected, double actual, String message) {
    assertEquals(expected, actual, 1e-10 * Math.abs(expected) + 1e-13, message);
  }

  private static double[] gaussians(Random rnd, int n, double sd) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = sd * rnd.nextGaussian();
    }
    return x;
  }

  /** x / beta, divided exactly as the code under test divides. */
  private static double[] over(double[] x, double beta) {
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] / beta;
    }
    return out;
  }

  private static double logSumExp(double[] x) {
    double max = Arrays.stream(x).max().orElseThrow();
    double sum = 0;
    for (double v : x) {
      sum += Math.exp(v - max);
    }
    return max + Math.log(sum);
  }

  private static double[] logSoftmax(double[] x) {
    double lse = logSumExp(x);
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] - lse;
    }
    return out;
  }
}
