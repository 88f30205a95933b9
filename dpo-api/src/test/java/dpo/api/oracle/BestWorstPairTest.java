package dpo.api.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BestWorstPairTest {

  @Test
  void picksTheBestAndTheWorstWithTheScaledGap() {
    BestWorstPair pair = BestWorstPair.of(new double[] {0.2, -1.0, 1.5, 0.0}, 4).orElseThrow();
    assertEquals(2, pair.chosen());
    assertEquals(1, pair.rejected());
    assertEquals(4 * 2.5, pair.margin(), 1e-12);
  }

  @Test
  void allTiedRewardsAreDropped() {
    assertEquals(Optional.empty(), BestWorstPair.of(new double[] {0.7, 0.7, 0.7}, 1));
  }

  @Test
  void equalBestOrWorstRewardsPickTheFirstIndex() {
    BestWorstPair pair = BestWorstPair.of(new double[] {1, 3, -2, 3, -2}, 1).orElseThrow();
    assertEquals(1, pair.chosen());
    assertEquals(2, pair.rejected());
    assertEquals(5, pair.margin(), 0);
  }

  @Test
  void labelFollowsTheRuleOnTheMargin() {
    BestWorstPair pair = BestWorstPair.of(new double[] {0.0, 0.25}, 4).orElseThrow();
    assertEquals(1 / (1 + Math.exp(-1)), pair.label(LabelRule.SOFT, null), 1e-15);
    assertEquals(1.0, pair.label(LabelRule.HARD, null));
    double draw = pair.label(LabelRule.BERNOULLI, new SplittableRandom(3));
    assertTrue(draw == 0 || draw == 1);
  }

  @Test
  void badInputsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> BestWorstPair.of(new double[] {1}, 1));
    IllegalArgumentException nan =
        assertThrows(
            IllegalArgumentException.class,
            () -> BestWorstPair.of(new double[] {1, Double.NaN}, 1));
    assertTrue(nan.getMessage().contains("reward 1 is NaN"), nan.getMessage());
    assertThrows(IllegalArgumentException.class, () -> BestWorstPair.of(new double[] {1, 2}, -1));
    assertThrows(IllegalArgumentException.class, () -> new BestWorstPair(1, 1, 0.5));
    assertThrows(IllegalArgumentException.class, () -> new BestWorstPair(0, 1, -0.5));
  }
}
