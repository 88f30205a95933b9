package dpo.testkit;

import dpo.api.sampler.PairComponent;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.Tilt;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The samplers the contracts train with, written by the testkit from their definitions in
 * docs/method.md §2 (unnormalised pair weights C, W = C / Z) and the LM baselines of §4, so that a
 * third party's test class path needs no sampler module. Each is a {@link Sampler} of the API: a
 * mixture of products of tilted distributions.
 */
final class ReferenceSamplers {
  private ReferenceSamplers() {}

  /** dpo-unif: C(y, y') = 1. */
  static Sampler uniform() {
    return () -> List.of(PairComponent.unnormalised(1, Tilt.UNIFORM, Tilt.UNIFORM));
  }

  /** dpo-mix-r: C = 2 + e^(dr) + e^(-dr), dr = r_y - r_y'. */
  static Sampler mixR() {
    return () -> twoPlusBothExponentials(Tilt.ofReward(1), Tilt.ofReward(-1));
  }

  /** dpo-mix-p: C = 2 + e^u + e^(-u), u = beta h(y, y'), the implicit reward difference. */
  static Sampler mixP() {
    return () -> twoPlusBothExponentials(Tilt.ofImplicitReward(1), Tilt.ofImplicitReward(-1));
  }

  /** dpo-mix-p-star: min(C of dpo-mix-p, 2 + e^R + e^(-R)), R = max r - min r. */
  static Sampler mixPStar() {
    Sampler mixP = mixP();
    return new Sampler() {
      @Override
      public List<PairComponent> components() {
        return mixP.components();
      }

      @Override
      public double weightCap(double rewardRange) {
        return 2 + Math.exp(rewardRange) + Math.exp(-rewardRange);
      }
    };
  }

  /** on-policy: both responses from pi_theta. */
  static Sampler onPolicy() {
    return () -> List.of(PairComponent.normalised(1, Tilt.POLICY, Tilt.POLICY));
  }

  /** vanilla: both responses from pi_ref. */
  static Sampler vanilla() {
    return () -> List.of(PairComponent.normalised(1, Tilt.REFERENCE, Tilt.REFERENCE));
  }

  /** hybrid: the first response from pi_ref, the second from pi_theta. */
  static Sampler hybrid() {
    return () -> List.of(PairComponent.normalised(1, Tilt.REFERENCE, Tilt.POLICY));
  }

  /** mix-p: the logit-mixed pair, pi_theta^1.5 pi_ref^-0.5 and pi_theta^0.5 pi_ref^0.5. */
  static Sampler logitMix() {
    return () ->
        List.of(PairComponent.normalised(1, Tilt.ofLogitMix(1.5, -0.5), Tilt.ofLogitMix(0.5, 0.5)));
  }

  /**
   * Every sampler above by its id in the shipped set, in a fixed order.
   *
   * @return id to sampler
   */
  static Map<String, Sampler> all() {
    Map<String, Sampler> all = new LinkedHashMap<>();
    all.put("dpo-unif", uniform());
    all.put("dpo-mix-r", mixR());
    all.put("dpo-mix-p", mixP());
    all.put("dpo-mix-p-star", mixPStar());
    all.put("on-policy", onPolicy());
    all.put("vanilla", vanilla());
    all.put("hybrid", hybrid());
    all.put("mix-p", logitMix());
    return all;
  }

  /** A uniform pair of weight 2 plus the tilted pair in both orders, each of weight 1. */
  private static List<PairComponent> twoPlusBothExponentials(Tilt up, Tilt down) {
    return List.of(
        PairComponent.unnormalised(2, Tilt.UNIFORM, Tilt.UNIFORM),
        PairComponent.unnormalised(1, up, down),
        PairComponent.unnormalised(1, down, up));
  }
}
