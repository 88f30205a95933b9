package dpo.core.align;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import dpo.api.sampler.PairComponent;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.SamplerProvider;
import dpo.api.sampler.Tilt;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class GenerationPlanTest {

  @Test
  void logitMixTiltsBecomeTheirWeights() {
    Sampler mixP = () -> List.of(PairComponent.normalised(1, Tilt.ofLogitMix(1.5, -0.5),
        Tilt.ofLogitMix(0.5, 0.5)));
    GenerationPlan plan = GenerationPlan.of(mixP, 0.1);
    assertEquals(1, plan.components().size());
    assertArrayEquals(new double[] {1.5, -0.5}, plan.components().get(0).first());
    assertArrayEquals(new double[] {0.5, 0.5}, plan.components().get(0).second());
  }

  @Test
  void anImplicitRewardTiltMovesBetaFromReferenceToPolicy() {
    Sampler s = () -> List.of(PairComponent.normalised(1, Tilt.ofImplicitReward(2),
        Tilt.REFERENCE));
    GenerationPlan plan = GenerationPlan.of(s, 0.25);
    assertArrayEquals(new double[] {0.5, -0.5}, plan.components().get(0).first(), 1e-12);
    assertArrayEquals(new double[] {0, 1}, plan.components().get(0).second(), 1e-12);
  }

  @Test
  void weightsBecomeProbabilitiesAndPickFollowsThem() {
    Sampler s = () -> List.of(
        PairComponent.normalised(0.7, Tilt.ofLogitMix(1.5, -0.5), Tilt.ofLogitMix(0.5, 0.5)),
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
    assertFalse(GenerationPlan.supports(mixR));
  }

  @Test
  void unnormalisedMixturesOfPolicyTiltsAreRejected() {
    Sampler dpoMixP = () -> List.of(
        PairComponent.unnormalised(2, Tilt.UNIFORM, Tilt.UNIFORM),
        PairComponent.unnormalised(1, Tilt.ofImplicitReward(1), Tilt.ofImplicitReward(-1)),
        PairComponent.unnormalised(1, Tilt.ofImplicitReward(-1), Tilt.ofImplicitReward(1)));
    assertFalse(GenerationPlan.supports(dpoMixP));
    Sampler single = () -> List.of(PairComponent.unnormalised(1, Tilt.POLICY, Tilt.POLICY));
    assertTrue(GenerationPlan.supports(single), "one component's scale does not matter");
  }

  @Test
  void cappedSamplersAreRejected() {
    Sampler capped = new Sampler() {
      @Override
      public List<PairComponent> components() {
        return List.of(PairComponent.normalised(1, Tilt.POLICY, Tilt.POLICY));
      }

      @Override
      public double weightCap(double rewardRange) {
        return 4;
      }
    };
    assertFalse(GenerationPlan.supports(capped));
  }
}
