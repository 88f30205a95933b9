package dpo.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BootstrapTest {

  /**
   * For n = 4 the bootstrap distribution of the mean is known exactly: the 4^4 index tuples are
   * equally likely. The Monte Carlo percentile bounds must sit at the 2.5% and 97.5% points of that
   * exact distribution, up to the resampling error.
   */
  @Test
  void percentileBoundsMatchExactEnumerationOfEveryResample() {
    double[] x = {0.1, -0.3, 0.7, 1.9};
    int n = x.length;
    double[] exact = new double[n * n * n * n];
    int k = 0;
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        for (int c = 0; c < n; c++) {
          for (int d = 0; d < n; d++) {
            exact[k++] = (x[a] + x[b] + x[c] + x[d]) / n;
          }
        }
      }
    }
    Arrays.sort(exact);
    Bootstrap.Interval ci = new Bootstrap(200_000, 0.95, 7).meanInterval(x);
    // The exact distribution function just below and at each bound brackets the target.
    assertBracketed(exact, ci.low(), 0.025, 0.004);
    assertBracketed(exact, ci.high(), 0.975, 0.004);
    // A different seed gives the same bounds here: the quantiles are atoms of a discrete law.
    assertEquals(Bootstrap.quantile(exact, 0.025), ci.low(), 0.0501);
    assertEquals(Bootstrap.quantile(exact, 0.975), ci.high(), 0.0501);
  }

  private static void assertBracketed(double[] sorted, double bound, double q, double tol) {
    double below = 0;
    double atOrBelow = 0;
    for (double v : sorted) {
      below += v < bound - 1e-12 ? 1 : 0;
      atOrBelow += v <= bound + 1e-12 ? 1 : 0;
    }
    below /= sorted.length;
    atOrBelow /= sorted.length;
    assertTrue(
        below <= q + tol && atOrBelow >= q - tol,
        "bound " + bound + ": F(bound-) = " + below + ", F(bound) = " + atOrBelow + ", q = " + q);
  }

  /**
   * On normal samples of 20 the 95% percentile interval of the mean covers the true mean about 93%
   * of the time (it is known to undercover slightly for small n); 400 samples estimate the coverage
   * to about +-0.013.
   */
  @Test
  void coversTheTrueMeanOfNormalSamplesAboutNinetyFivePercentOfTheTime() {
    SplittableRandom random = new SplittableRandom(11);
    Bootstrap bootstrap = new Bootstrap(2_000, 0.95, 3);
    int covered = 0;
    int samples = 400;
    for (int t = 0; t < samples; t++) {
      double[] x = new double[20];
      for (int i = 0; i < x.length; i++) {
        x[i] = 0.3 + random.nextGaussian();
      }
      Bootstrap.Interval ci = bootstrap.meanInterval(x);
      covered += ci.low() <= 0.3 && 0.3 <= ci.high() ? 1 : 0;
    }
    double coverage = covered / (double) samples;
    assertTrue(coverage > 0.89 && coverage < 0.98, "coverage " + coverage);
  }

  @Test
  void seededResamplingIsReproducibleAndOneValueIsADegenerateInterval() {
    double[] x = {0.01, -0.02, 0.03, 0.015, 0.0};
    assertEquals(Bootstrap.DEFAULT.meanInterval(x), Bootstrap.DEFAULT.meanInterval(x.clone()));
    assertEquals(
        new Bootstrap.Interval(0.4, 0.4), Bootstrap.DEFAULT.meanInterval(new double[] {0.4}));
    Bootstrap.Interval ci = Bootstrap.DEFAULT.meanInterval(x);
    assertTrue(ci.low() < 0.0075 && 0.0075 < ci.high(), ci.toString());
    assertTrue(ci.low() >= -0.02 && ci.high() <= 0.03, ci.toString());
  }

  @Test
  void quantileIsTheOrderStatisticAtRankCeilQn() {
    double[] s = {1, 2, 3, 4};
    assertEquals(1, Bootstrap.quantile(s, 0));
    assertEquals(1, Bootstrap.quantile(s, 0.25));
    assertEquals(2, Bootstrap.quantile(s, 0.26));
    assertEquals(2, Bootstrap.quantile(s, 0.5));
    assertEquals(4, Bootstrap.quantile(s, 0.975));
    assertEquals(4, Bootstrap.quantile(s, 1));
  }

  @Test
  void refusesBadSettingsAndNoValues() {
    assertThrows(IllegalArgumentException.class, () -> new Bootstrap(0, 0.95, 1));
    assertThrows(IllegalArgumentException.class, () -> new Bootstrap(10, 1, 1));
    assertThrows(
        IllegalArgumentException.class, () -> Bootstrap.DEFAULT.meanInterval(new double[0]));
  }
}
