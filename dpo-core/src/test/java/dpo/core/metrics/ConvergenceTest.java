package dpo.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ConvergenceTest {

  private static double[] geometric(int length, double ratio, double first) {
    double[] e = new double[length];
    e[0] = first;
    for (int t = 1; t < length; t++) {
      e[t] = e[t - 1] * ratio;
    }
    return e;
  }

  @Test
  void linearConvergenceHasOrderOne() {
    double[] e = geometric(31, 0.5, 1);
    Convergence c = Convergence.of(e);
    assertEquals(1, c.order().orElseThrow(), 0.02);
    assertEquals(0, c.fittedFrom());
    assertEquals(30, c.fittedSteps());
    assertEquals(e[30], c.finalError());
  }

  @Test
  void quadraticConvergenceHasOrderTwo() {
    // 0.5, 0.25, 0.0625, 3.9e-3, 1.5e-5, 2.3e-10, 5.4e-20, ...; the last is below the noise floor.
    double[] e = new double[8];
    e[0] = 0.5;
    for (int t = 1; t < e.length; t++) {
      e[t] = e[t - 1] * e[t - 1];
    }
    Convergence c = Convergence.of(e);
    assertEquals(2, c.order().orElseThrow(), 0.05);
    assertEquals(0, c.fittedFrom());
    assertEquals(5, c.fittedSteps());
  }

  @Test
  void overshootAtTheStartIsNotFitted() {
    // Rises for two steps, then converges linearly.
    double[] tail = geometric(25, 0.3, 8);
    double[] e = new double[tail.length + 2];
    e[0] = 2;
    e[1] = 5;
    System.arraycopy(tail, 0, e, 2, tail.length);
    Convergence c = Convergence.of(e);
    assertEquals(2, c.fittedFrom());
    assertEquals(tail.length - 1, c.fittedSteps());
    assertEquals(1, c.order().orElseThrow(), 0.02);
  }

  @Test
  void theLongestDecreasingRunIsFitted() {
    // A short quadratic run (3 pairs), a bump, then a longer linear run (10 pairs).
    double[] e = {
      0.5,
      0.25,
      0.0625,
      0.00390625,
      0.3,
      0.4,
      0.2,
      0.1,
      0.05,
      0.025,
      0.0125,
      0.00625,
      0.003125,
      0.0015625,
      0.00078125,
      0.000390625
    };
    Convergence c = Convergence.of(e);
    assertEquals(5, c.fittedFrom());
    assertEquals(10, c.fittedSteps());
    assertEquals(1, c.order().orElseThrow(), 0.02);
  }

  @Test
  void errorsBelowTheNoiseFloorAreIgnored() {
    // 0.5^t stays above 1e-13 up to t = 43; then rounding noise that still sometimes decreases.
    double[] linear = geometric(44, 0.5, 1);
    assertTrue(linear[43] > Convergence.NOISE_FLOOR && linear[43] / 2 < Convergence.NOISE_FLOOR);
    double[] noise = {5e-14, 1e-20, 3e-15, 8e-16, 2e-14, 1e-17, 0, 4e-15, 1e-16};
    double[] e = new double[linear.length + noise.length];
    System.arraycopy(linear, 0, e, 0, linear.length);
    System.arraycopy(noise, 0, e, linear.length, noise.length);
    Convergence c = Convergence.of(e);
    assertEquals(0, c.fittedFrom());
    assertEquals(43, c.fittedSteps());
    assertEquals(1, c.order().orElseThrow(), 0.02);
    assertEquals(1e-16, c.finalError());
  }

  @Test
  void stepsToThresholdsAreTheFirstIndicesBelowThem() {
    Convergence c = Convergence.of(geometric(40, 0.5, 1));
    // 2^-19 = 1.9e-6, 2^-20 = 9.5e-7; 2^-33 = 1.16e-10, 2^-34 = 5.8e-11.
    assertEquals(OptionalInt.of(20), c.stepsTo1e6());
    assertEquals(OptionalInt.of(34), c.stepsTo1e10());
  }

  @Test
  void stepsToThresholdsCountTheFirstVisitEvenIfTheErrorRisesAgain() {
    double[] e = {1, 1e-3, 5e-7, 1e-3, 5e-11, 1, 1e-12};
    Convergence c = Convergence.of(e);
    assertEquals(OptionalInt.of(2), c.stepsTo1e6());
    assertEquals(OptionalInt.of(4), c.stepsTo1e10());
  }

  @Test
  void thresholdsAreStrict() {
    Convergence c = Convergence.of(new double[] {1, 1e-6, 1e-10, 1e-10});
    assertEquals(OptionalInt.of(2), c.stepsTo1e6());
    assertEquals(OptionalInt.empty(), c.stepsTo1e10());
  }

  @Test
  void thresholdsNeverReachedAreEmpty() {
    Convergence c = Convergence.of(geometric(10, 0.5, 1)); // ends at 2^-9 = 2e-3
    assertEquals(OptionalInt.empty(), c.stepsTo1e6());
    assertEquals(OptionalInt.empty(), c.stepsTo1e10());
    Convergence partial = Convergence.of(geometric(25, 0.5, 1)); // ends at 2^-24 = 6e-8
    assertEquals(OptionalInt.of(20), partial.stepsTo1e6());
    assertEquals(OptionalInt.empty(), partial.stepsTo1e10());
  }

  @Test
  void aConstantCurveHasNoOrder() {
    Convergence c = Convergence.of(new double[] {0.3, 0.3, 0.3, 0.3, 0.3});
    assertTrue(c.order().isEmpty());
    assertEquals(0, c.fittedSteps());
    assertEquals(0.3, c.finalError());
  }

  @Test
  void aSingleDecreasingStepIsTooShortToFit() {
    Convergence c = Convergence.of(new double[] {1, 0.5, 0.7, 0.8});
    assertTrue(c.order().isEmpty());
    assertEquals(1, c.fittedSteps());
  }

  @Test
  void aSingleErrorIsItsOwnSummary() {
    Convergence c = Convergence.of(new double[] {1e-11});
    assertEquals(1e-11, c.finalError());
    assertEquals(OptionalInt.of(0), c.stepsTo1e6());
    assertEquals(OptionalInt.of(0), c.stepsTo1e10());
    assertTrue(c.order().isEmpty());
  }

  @Test
  void anEmptyCurveIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> Convergence.of(new double[0]));
  }
}
