package dpo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

class VectorLogTest {
  private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;

  private static void check(double[] xs) {
    double[] out = new double[xs.length];
    for (int i = 0; i + SPECIES.length() <= xs.length; i += SPECIES.length()) {
      VectorLog.log(DoubleVector.fromArray(SPECIES, xs, i)).intoArray(out, i);
    }
    for (int i = 0; i < xs.length - xs.length % SPECIES.length(); i++) {
      double expected = Math.log(xs[i]);
      double error = Math.abs(out[i] - expected);
      // Within two ulps of the result, or of 1e-300 where log is 0 exactly.
      assertTrue(
          error <= 2 * Math.ulp(expected) + Double.MIN_NORMAL,
          "log(" + xs[i] + ") = " + out[i] + ", Math.log says " + expected);
    }
  }

  @Test
  void matchesMathLogAcrossTheRangeTheKernelsUse() {
    SplittableRandom r = new SplittableRandom(1);
    double[] xs = new double[1 << 16];
    for (int i = 0; i < xs.length; i++) {
      // Sums a_y + a_y' lie in (e^-600, 2]; cover all exponents and both sides of sqrt(2).
      xs[i] = Math.exp(-650 * r.nextDouble()) * (1 + r.nextDouble());
    }
    check(xs);
  }

  @Test
  void isAccurateNearOneAndAtSpecialPoints() {
    SplittableRandom r = new SplittableRandom(2);
    double[] xs = new double[4096];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = 1 + (r.nextDouble() - 0.5) * Math.pow(10, -12 * r.nextDouble());
    }
    xs[0] = 1;
    xs[1] = 2;
    xs[2] = Math.sqrt(2);
    xs[3] = Math.nextUp(Math.sqrt(2));
    xs[4] = Math.sqrt(0.5);
    xs[5] = Double.MIN_NORMAL;
    xs[6] = Math.E;
    xs[7] = 0.5;
    check(xs);
  }
}
