package dpo.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class InterpolationTest {
  // KL at iterations 0..3 goes up, back a little, then up again.
  private static final double[] KL = {0, 0.5, 0.4, 1.0};
  private static final double[] REWARD = {0.5, 0.6, 0.7, 0.9};

  @Test
  void linearBetweenTheIterationsAroundTheLevel() {
    assertEquals(0.5, at(0), 1e-12);
    assertEquals(0.55, at(0.25), 1e-12); // halfway between iterations 0 and 1
    assertEquals(0.6, at(0.5), 1e-12);
    assertEquals(0.8, at(0.7), 1e-12); // halfway between iterations 2 and 3
    assertEquals(0.9, at(1.0), 1e-12);
  }

  @Test
  void aLevelCrossedSeveralTimesTakesTheFirstCrossing() {
    // 0.45 is crossed between iterations 0 and 1 (0.59), again between 1 and 2 (0.65), and
    // between 2 and 3 (0.7083...): the run first reaches it on the way to iteration 1.
    assertEquals(0.59, at(0.45), 1e-12);
  }

  @Test
  void nothingIsExtrapolated() {
    assertTrue(Interpolation.firstCrossing(KL, REWARD, 1.01).isEmpty());
    assertTrue(Interpolation.firstCrossing(KL, REWARD, -0.1).isEmpty());
    assertEquals(1.0, Interpolation.reach(KL));
  }

  @Test
  void aFlatSegmentGivesItsFirstPoint() {
    OptionalDouble r =
        Interpolation.firstCrossing(new double[] {0, 0.3, 0.3}, new double[] {1, 2, 4}, 0.3);
    assertEquals(2, r.getAsDouble(), 1e-12);
    assertEquals(
        3,
        Interpolation.firstCrossing(new double[] {0.2, 0.2}, new double[] {3, 5}, 0.2)
            .getAsDouble());
  }

  private static double at(double level) {
    return Interpolation.firstCrossing(KL, REWARD, level).getAsDouble();
  }
}
