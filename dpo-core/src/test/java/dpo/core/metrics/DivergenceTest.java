package dpo.core.metrics;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dpo.api.TrainingDivergedException;
import org.junit.jupiter.api.Test;

class DivergenceTest {
  @Test
  void aLossThatGrewAThousandFoldDiverged() {
    TrainingDivergedException e =
        assertThrows(
            TrainingDivergedException.class,
            () -> Divergence.check("the loss", 693.2, 0.6931, "step 7"));
    assertEquals(
        "the loss became 693.2 at step 7 (it was 0.6931 at the first step)", e.getMessage());
    assertDoesNotThrow(() -> Divergence.check("the loss", 693.0, 0.6931, "step 7"));
  }

  @Test
  void aLossThatIsNotFiniteDiverged() {
    TrainingDivergedException e =
        assertThrows(
            TrainingDivergedException.class,
            () -> Divergence.check("the loss", Double.NaN, 0.7, "step 2"));
    assertEquals("the loss became NaN at step 2", e.getMessage());
    assertThrows(
        TrainingDivergedException.class,
        () -> Divergence.check("the loss", Double.POSITIVE_INFINITY, 0.7, "step 2"));
  }

  @Test
  void aFirstLossNearZeroIsMeasuredFromTheFloor() {
    assertDoesNotThrow(() -> Divergence.check("the loss", 0.9, 1e-9, "step 3"));
    assertThrows(
        TrainingDivergedException.class, () -> Divergence.check("the loss", 1.01, 1e-9, "step 3"));
  }
}
