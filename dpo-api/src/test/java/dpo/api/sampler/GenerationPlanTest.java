package dpo.api.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GenerationPlanTest {

  @Test
  void logitMixTiltsBecomeTheirWeights() {
    Sampler mixP =
        () ->
            List.of(
                PairComponent.normalised(1, Tilt.ofLogitMix(1.5, -0.5), Tilt.ofLogitMix(0.5, 0.5)));
    GenerationPlan plan = GenerationPlan.of(mixP, 0.1);
    assertEquals(1, plan.components().size());
    assertArrayEquals(new double[] {1.5, -0.5}, plan.components().get(0).first());
    assertArrayEquals(new double[] {0.5, 0.5}, plan.components().get(0).second());
  }

  @Test
  void anImplicitRewardTiltMovesBetaFromReferenceToPolicy() {
    Sampler s =
        () -> List.of(PairComponent.normalised(1, Tilt.ofImplicitReward(2), Tilt.REFERENCE));
    GenerationPlan plan = GenerationPlan.of(s, 0.25);
    assertArrayEquals(new double[] {0.5, -0.5}, plan.components().get(0).first(), 1e-12);
    assertArrayEquals(new double[] {0, 1}, plan.components().get(0).second(), 1e-12);
  }

  @Test
  void weightsBecomeProbabilitiesAndPickFollowsThem() {
    Sampler s =
        () ->
            List.of(
                PairComponent.normalised(
                    0.7, Tilt.ofLogitMix(1.5, -0.5), Tilt.ofLogitMix(0.5, 0.5)),
                PairComponent.normalised(0.3, Tilt.POLICY, Tilt.POLICY),
                PairComponent.normalised(0, Tilt.REFERENCE, Tilt.REFERENCE));
    GenerationPlan plan = GenerationPlan.of(s, 0.1);
    assertEquals(2, plan.components().size(), "zero-weight components are dropped");
    assertEquals(0.7, plan.components().get(0).probability(), 1e-12);
    assertEquals(0, plan.pick(0.0));
    assertEquals(0, plan.pick(0.69));
    assertEquals(1, plan.pick(0.71));
    assertEquals(1, plan.pick(0.999999));
  }

  @Test
  void rewardTiltsCannotGenerateText() {
    Sampler mixR = () -> List.of(PairComponent.normalised(1, Tilt.ofReward(1), Tilt.ofReward(-1)));
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> GenerationPlan.of(mixR, 0.1));
    assertEquals("samplers", e.violations().get(0).field());
    assertTrue(e.getMessage().contains("true reward"), e.getMessage());
    assertFalse(GenerationPlan.supports(mixR, 0.1));
  }

  @Test
  void unnormalisedMixturesOfPolicyTiltsAreRejected() {
    Sampler dpoMixP =
        () ->
            List.of(
                PairComponent.unnormalised(2, Tilt.UNIFORM, Tilt.UNIFORM),
                PairComponent.unnormalised(1, Tilt.ofImplicitReward(1), Tilt.ofImplicitReward(-1)),
                PairComponent.unnormalised(1, Tilt.ofImplicitReward(-1), Tilt.ofImplicitReward(1)));
    assertFalse(GenerationPlan.supports(dpoMixP, 0.1));
    Sampler single = () -> List.of(PairComponent.unnormalised(1, Tilt.POLICY, Tilt.POLICY));
    assertTrue(GenerationPlan.supports(single, 0.1), "one component's scale does not matter");
  }

  @Test
  void cappedSamplersAreRejected() {
    Sampler capped =
        new Sampler() {
          @Override
          public List<PairComponent> components() {
            return List.of(PairComponent.normalised(1, Tilt.POLICY, Tilt.POLICY));
          }

          @Override
          public double weightCap(double rewardRange) {
            return 4;
          }
        };
    assertFalse(GenerationPlan.supports(capped, 0.1));
  }

  @Test
  void aCapThatIsInfiniteAtRangeZeroStillCounts() {
    Sampler cappedAwayFromZero =
        new Sampler() {
          @Override
          public List<PairComponent> components() {
            return List.of(PairComponent.normalised(1, Tilt.POLICY, Tilt.POLICY));
          }

          @Override
          public double weightCap(double rewardRange) {
            return rewardRange == 0 ? Double.POSITIVE_INFINITY : 2 + Math.exp(rewardRange);
          }
        };
    String why = GenerationPlan.refusal(cappedAwayFromZero, 0.1).orElseThrow();
    assertTrue(why.contains("capped (weightCap(0.001) = "), why);
  }

  @Test
  void aUniformComponentIsRefusedAsRandomTokens() {
    Sampler unif = () -> List.of(PairComponent.unnormalised(1, Tilt.UNIFORM, Tilt.UNIFORM));
    assertEquals(
        Optional.of(
            "component 1 draws a response from the uniform distribution (a tilt"
                + " whose policy and reference weights are both 0), which on a language model is"
                + " uniformly random tokens; tilt by the reference or the policy instead"),
        GenerationPlan.refusal(unif, 0.1));
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> GenerationPlan.of(unif, 0.1));
    assertTrue(
        e.getMessage()
            .startsWith(
                "the sampler cannot run on a language model: component 1"
                    + " draws a response from the uniform distribution"),
        e.getMessage());
  }

  @Test
  void halfUniformMixturesAreRefusedForTheirUniformHalfOnly() {
    Sampler halfMixP =
        () ->
            List.of(
                PairComponent.normalised(0.5, Tilt.UNIFORM, Tilt.UNIFORM),
                PairComponent.normalised(0.5, Tilt.ofImplicitReward(1), Tilt.ofImplicitReward(-1)));
    String why = GenerationPlan.refusal(halfMixP, 0.1).orElseThrow();
    assertTrue(why.startsWith("component 1 draws a response from the uniform"), why);
    assertFalse(why.contains("component 2"), why);
    Sampler oneSided = () -> List.of(PairComponent.normalised(1, Tilt.REFERENCE, Tilt.UNIFORM));
    assertFalse(GenerationPlan.supports(oneSided, 0.1));
  }

  @Test
  void aTiltThatCancelsToUniformAtThisBetaIsRefused() {
    // pi^-0.5 pi_ref^0.5 (pi / pi_ref)^(1 * 0.5) = 1: uniform at beta 0.5, not at beta 0.1.
    Sampler cancels =
        () -> List.of(PairComponent.normalised(1, new Tilt(-0.5, 0.5, 0, 1), Tilt.POLICY));
    assertFalse(GenerationPlan.supports(cancels, 0.5));
    assertTrue(GenerationPlan.supports(cancels, 0.1));
  }

  @Test
  void everyReasonIsNamed() {
    Sampler dpoMixR =
        () ->
            List.of(
                PairComponent.unnormalised(2, Tilt.UNIFORM, Tilt.UNIFORM),
                PairComponent.unnormalised(1, Tilt.ofReward(1), Tilt.ofReward(-1)),
                PairComponent.unnormalised(1, Tilt.ofReward(-1), Tilt.ofReward(1)));
    String why = GenerationPlan.refusal(dpoMixR, 0.1).orElseThrow();
    assertTrue(why.contains("component 1 draws a response from the uniform"), why);
    assertTrue(why.contains("component 2 tilts by the true reward"), why);
    assertTrue(why.contains("component 3 tilts by the true reward"), why);
  }

  @Test
  void aSamplerWithoutWeightIsRefused() {
    Sampler none = () -> List.of(PairComponent.normalised(0, Tilt.POLICY, Tilt.POLICY));
    assertEquals(
        Optional.of("no component has a positive weight"), GenerationPlan.refusal(none, 0.1));
  }
}
