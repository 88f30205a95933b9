package dpo.api.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LabelRuleTest {

  @Test
  void softLabelIsTheSigmoidOfTheScaledGap() {
    assertEquals(1 / (1 + Math.exp(-4 * 0.5)), LabelRule.SOFT.label(1.5, 1.0, 4, null), 1e-15);
    assertEquals(1 / (1 + Math.exp(0.3)), LabelRule.SOFT.label(-0.1, 0.2, 1, null), 1e-15);
    assertEquals(0.5, LabelRule.SOFT.label(2, 2, 3, null));
    // Far tails stay exact instead of overflowing.
    assertEquals(1.0, LabelRule.SOFT.label(1e6, -1e6, 1, null));
    assertEquals(0.0, LabelRule.SOFT.label(Double.NEGATIVE_INFINITY, null));
  }

  @Test
  void softLabelsOfSwappedPairsSumToOne() {
    for (double gap = -5; gap <= 5; gap += 0.25) {
      double forward = LabelRule.SOFT.label(gap, 0, 2, null);
      double backward = LabelRule.SOFT.label(0, gap, 2, null);
      assertEquals(1, forward + backward, 1e-15);
    }
  }

  @Test
  void hardLabelPrefersTheHigherRewardAndHalvesTies() {
    assertEquals(1.0, LabelRule.HARD.label(0.3, 0.2, 1, null));
    assertEquals(0.0, LabelRule.HARD.label(-1, 2, 7, null));
    assertEquals(0.5, LabelRule.HARD.label(0.25, 0.25, 1, null));
  }

  @Test
  void bernoulliFrequencyMatchesTheSoftProbability() {
    SplittableRandom random = new SplittableRandom(42);
    int draws = 200_000;
    for (double gap : new double[] {-1.0, 0.0, 0.3, 1.2}) {
      double p = LabelRule.SOFT.label(gap, 0, 2, null);
      int wins = 0;
      for (int i = 0; i < draws; i++) {
        double label = LabelRule.BERNOULLI.label(gap, 0, 2, random);
        assertTrue(label == 0 || label == 1, "a Bernoulli label is 0 or 1, got " + label);
        wins += (int) label;
      }
      // Five standard errors: a correct rule fails this about once in three million runs.
      double tolerance = 5 * Math.sqrt(p * (1 - p) / draws);
      assertEquals(p, wins / (double) draws, tolerance, "gap " + gap);
    }
  }

  @Test
  void bernoulliLabelsRepeatUnderTheSameSeed() {
    SplittableRandom a = new SplittableRandom(7);
    SplittableRandom b = new SplittableRandom(7);
    for (int i = 0; i < 100; i++) {
      assertEquals(LabelRule.BERNOULLI.label(0.1, a), LabelRule.BERNOULLI.label(0.1, b));
    }
  }

  @Test
  void badInputsAreRejectedWithTheValue() {
    IllegalArgumentException nan =
        assertThrows(
            IllegalArgumentException.class, () -> LabelRule.SOFT.label(Double.NaN, 0, 1, null));
    assertTrue(nan.getMessage().contains("NaN"), nan.getMessage());
    IllegalArgumentException scale =
        assertThrows(IllegalArgumentException.class, () -> LabelRule.HARD.label(1, 0, 0, null));
    assertTrue(scale.getMessage().contains("scale"), scale.getMessage());
    assertThrows(NullPointerException.class, () -> LabelRule.BERNOULLI.label(0.5, null));
  }

  @Test
  void idsRoundTripAndUnknownIdsListTheKnownOnes() {
    for (LabelRule rule : LabelRule.values()) {
      assertSame(rule, LabelRule.fromId(rule.id()));
    }
    assertSame(LabelRule.BERNOULLI, LabelRule.fromId(" Bernoulli "));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> LabelRule.fromId("fuzzy"));
    assertEquals("unknown label rule 'fuzzy'; known rules: soft, hard, bernoulli", e.getMessage());
  }
}
