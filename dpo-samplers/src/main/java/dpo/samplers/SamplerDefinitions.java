package dpo.samplers;

import static dpo.api.sampler.PairComponent.normalised;
import static dpo.api.sampler.PairComponent.unnormalised;

import dpo.api.sampler.PairComponent;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.Tilt;
import java.util.List;

/**
 * The definitions of the shipped samplers, one method each. docs/method.md §3 gives the paper's
 * four; the baselines follow its ablations and section 2's generation pairs.
 */
public final class SamplerDefinitions {
  private SamplerDefinitions() {}

  /**
   * dpo-unif: both responses uniform, C = 1 for every pair, so Z = Y^2 (which sets its Newton
   * step).
   */
  public static Sampler uniform() {
    return () -> List.of(unnormalised(1, Tilt.UNIFORM, Tilt.UNIFORM));
  }

  /**
   * dpo-mix-r: C = 2 + e^(dr) + e^(-dr) with dr = r_y - r_y', i.e. a uniform pair of weight 2 plus
   * the pair (softmax(r), softmax(-r)) in both orders; equal to 1 / (sigma(dr) sigma(-dr)).
   */
  public static Sampler mixR() {
    return () -> twoSidedTilt(Tilt.ofReward(1), Tilt.ofReward(-1));
  }

  /**
   * dpo-mix-p: as dpo-mix-r with the policy's implicit reward beta * log(pi / pi_ref) in place of
   * r, C = 2 + e^u + e^(-u) with u = beta * h(y, y'). Needs no reward knowledge.
   */
  public static Sampler mixP() {
    return () -> twoSidedTilt(Tilt.ofImplicitReward(1), Tilt.ofImplicitReward(-1));
  }

  /** dpo-mix-p-star: dpo-mix-p with each weight capped at dpo-mix-r's largest, 2 + e^R + e^-R. */
  public static Sampler mixPStar() {
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
  public static Sampler onPolicy() {
    return () -> List.of(normalised(1, Tilt.POLICY, Tilt.POLICY));
  }

  /** vanilla: both responses from pi_ref (offline DPO on the reference's samples). */
  public static Sampler vanilla() {
    return () -> List.of(normalised(1, Tilt.REFERENCE, Tilt.REFERENCE));
  }

  /** hybrid: one response from pi_ref, one from pi_theta (the paper's Hybrid GSHF baseline). */
  public static Sampler hybrid() {
    return () -> List.of(normalised(1, Tilt.REFERENCE, Tilt.POLICY));
  }

  /**
   * mix-p: the paper's practical sampler, the logit-mixed pair pi^1.5 pi_ref^-0.5 and pi^0.5
   * pi_ref^0.5 (realised exactly on tabular policies, per token on language models).
   */
  public static Sampler logitMix() {
    return () -> List.of(normalised(1, Tilt.ofLogitMix(1.5, -0.5), Tilt.ofLogitMix(0.5, 0.5)));
  }

  /**
   * mix-p-on-policy: the practical sampler with on-policy pairs mixed in: the mix-p pair with
   * probability 0.7, an on-policy pair with probability 0.3 (the paper's LM experiments' variant).
   */
  public static Sampler logitMixWithOnPolicy() {
    return () ->
        List.of(
            normalised(0.7, Tilt.ofLogitMix(1.5, -0.5), Tilt.ofLogitMix(0.5, 0.5)),
            normalised(0.3, Tilt.POLICY, Tilt.POLICY));
  }

  /**
   * half-mix-r: a fixed half-and-half mixture of the uniform pair and (softmax(r), softmax(-r)).
   */
  public static Sampler halfMixR() {
    return () ->
        List.of(
            normalised(0.5, Tilt.UNIFORM, Tilt.UNIFORM),
            normalised(0.5, Tilt.ofReward(1), Tilt.ofReward(-1)));
  }

  /** half-mix-p: a fixed half-and-half mixture of the uniform pair and the implicit-reward pair. */
  public static Sampler halfMixP() {
    return () ->
        List.of(
            normalised(0.5, Tilt.UNIFORM, Tilt.UNIFORM),
            normalised(0.5, Tilt.ofImplicitReward(1), Tilt.ofImplicitReward(-1)));
  }

  /** The on-policy share of {@link #simpleMix}'s default: half the pairs on-policy, half off. */
  public static final double SIMPLEMIX_ON_POLICY = 0.5;

  /**
   * simplemix: SimpleMix-style mixing of on-policy and off-policy data (Wang et al., 2025): each
   * prompt's pair is on-policy, (pi, pi), with probability {@code onPolicy} and off-policy,
   * (pi_ref, pi_ref), otherwise.
   *
   * @param onPolicy the probability of an on-policy pair, in [0, 1]
   * @return the sampler
   */
  public static Sampler simpleMix(double onPolicy) {
    if (!(onPolicy >= 0 && onPolicy <= 1)) {
      throw new IllegalArgumentException(
          "the on-policy probability must be in [0, 1], got " + onPolicy);
    }
    return () ->
        List.of(
            normalised(onPolicy, Tilt.POLICY, Tilt.POLICY),
            normalised(1 - onPolicy, Tilt.REFERENCE, Tilt.REFERENCE));
  }

  /**
   * best-of-K: K on-policy responses per prompt, the best by the reward chosen against the worst
   * (rejection-sampling style pairs, as in RLHFlow's and Llama's best-vs-worst recipes).
   *
   * @param k the responses per prompt, >= 2
   * @return the sampler
   */
  public static Sampler bestOfK(int k) {
    if (k < 2) {
      throw new IllegalArgumentException("best-of-K needs K >= 2, got " + k);
    }
    List<PairComponent> onPolicy = List.of(normalised(1, Tilt.POLICY, Tilt.POLICY));
    return new Sampler() {
      @Override
      public List<PairComponent> components() {
        return onPolicy;
      }

      @Override
      public int responsesPerPrompt() {
        return k;
      }
    };
  }

  private static List<PairComponent> twoSidedTilt(Tilt up, Tilt down) {
    return List.of(
        unnormalised(2, Tilt.UNIFORM, Tilt.UNIFORM),
        unnormalised(1, up, down),
        unnormalised(1, down, up));
  }
}
