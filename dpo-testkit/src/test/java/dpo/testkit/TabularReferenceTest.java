package dpo.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dpo.api.backend.StepSize;
import dpo.api.objective.Objective;
import dpo.api.sampler.PairComponent;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.Tilt;
import dpo.samplers.SamplerDefinitions;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The reference against the closed forms of docs/method.md and the README's sampler table. */
class TabularReferenceTest {
  private static final double BETA = 3;
  private final double[] rewards = TabularReference.randomProblem(1, 5, 1).rewards(0);
  private final double[] theta =
      TabularReference.randomParameters(1, 5, 0.6, new SplittableRandom(2))[0];

  /** W must be C / sum C for the given unnormalised C. */
  private static void assertWeights(
      TabularReference.PairDistribution w,
      int n,
      java.util.function.BiFunction<Integer, Integer, Double> c) {
    double z = 0;
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        z += c.apply(a, b);
      }
    }
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        assertEquals(c.apply(a, b) / z, w.weight(a, b), 1e-14, "W(" + a + ", " + b + ")");
      }
    }
    assertEquals(Math.log(z), w.logPartition(), 1e-12, "log Z");
  }

  @Test
  void uniformGivesEveryPairOneOverYSquared() {
    assertWeights(
        TabularReference.pairDistribution(SamplerDefinitions.uniform(), theta, rewards, BETA),
        5,
        (a, b) -> 1.0);
  }

  @Test
  void mixRIsTwoPlusTheTwoRewardExponentials() {
    assertWeights(
        TabularReference.pairDistribution(SamplerDefinitions.mixR(), theta, rewards, BETA),
        5,
        (a, b) -> {
          double dr = rewards[a] - rewards[b];
          return 2 + Math.exp(dr) + Math.exp(-dr);
        });
  }

  @Test
  void mixPUsesTheImplicitRewardAndMixPStarCapsItAtMixRsLargest() {
    double[] far = {4, -3, 0.5, 2, -1};
    double range = 0;
    for (double a : rewards) {
      for (double b : rewards) {
        range = Math.max(range, a - b);
      }
    }
    double cap = 2 + Math.exp(range) + Math.exp(-range);
    assertWeights(
        TabularReference.pairDistribution(SamplerDefinitions.mixP(), far, rewards, BETA),
        5,
        (a, b) -> 2 + Math.exp(BETA * (far[a] - far[b])) + Math.exp(-BETA * (far[a] - far[b])));
    assertWeights(
        TabularReference.pairDistribution(SamplerDefinitions.mixPStar(), far, rewards, BETA),
        5,
        (a, b) ->
            Math.min(
                cap, 2 + Math.exp(BETA * (far[a] - far[b])) + Math.exp(-BETA * (far[a] - far[b]))));
  }

  @Test
  void onPolicyIsTheProductOfThePolicyWithUnitPartition() {
    double[] logPi = TabularReference.logSoftmax(theta);
    TabularReference.PairDistribution w =
        TabularReference.pairDistribution(SamplerDefinitions.onPolicy(), theta, rewards, BETA);
    assertWeights(w, 5, (a, b) -> Math.exp(logPi[a] + logPi[b]));
    assertEquals(0, w.logPartition(), 1e-14, "a normalised component of weight 1 has Z = 1");
  }

  @Test
  void hugeTiltsStayFinite() {
    double[] extreme = {400, -400, 0, 10, -10};
    TabularReference.PairDistribution w =
        TabularReference.pairDistribution(SamplerDefinitions.mixP(), extreme, rewards, BETA);
    double sum = 0;
    for (int a = 0; a < 5; a++) {
      for (int b = 0; b < 5; b++) {
        sum += w.weight(a, b);
      }
    }
    assertEquals(1, sum, 1e-12);
    // The pair (0, 1) has beta h = 2400, and (1, 0) the mirror: together they hold almost all mass.
    assertEquals(0.5, w.weight(0, 1), 1e-12);
    assertEquals(0.5, w.weight(1, 0), 1e-12);
  }

  @Test
  void aSamplerWithoutMassIsRejected() {
    Sampler empty = () -> List.of(PairComponent.normalised(0, Tilt.UNIFORM, Tilt.UNIFORM));
    assertThrows(
        IllegalArgumentException.class,
        () -> TabularReference.pairDistribution(empty, theta, rewards, BETA));
    Sampler badCap =
        new Sampler() {
          @Override
          public List<PairComponent> components() {
            return SamplerDefinitions.uniform().components();
          }

          @Override
          public double weightCap(double rewardRange) {
            return Double.NaN;
          }
        };
    assertThrows(
        IllegalArgumentException.class,
        () -> TabularReference.pairDistribution(badCap, theta, rewards, BETA));
  }

  @Test
  void gradientIsTheDerivativeOfTheFrozenLoss() {
    Objective o = ReferenceObjectives.ipo(BETA);
    TabularReference.PairDistribution w =
        TabularReference.pairDistribution(SamplerDefinitions.hybrid(), theta, rewards, BETA);
    double[] g = TabularReference.gradient(w, theta, rewards, o);
    for (int j = 0; j < 5; j++) {
      double[] plus = theta.clone();
      double[] minus = theta.clone();
      plus[j] += 1e-6;
      minus[j] -= 1e-6;
      double numeric =
          (TabularReference.loss(w, plus, rewards, o) - TabularReference.loss(w, minus, rewards, o))
              / 2e-6;
      assertEquals(numeric, g[j], 1e-7);
    }
  }

  @Test
  void newtonStepOfUniformIsYOverTwoBetaSquared() {
    TabularReference.Step step =
        TabularReference.exactStep(
            SamplerDefinitions.uniform(),
            ReferenceObjectives.sigmoid(BETA, 0),
            StepSize.newton(),
            theta,
            rewards);
    assertEquals(5 / (2 * BETA * BETA), step.stepSize(), 1e-14);
  }
}
