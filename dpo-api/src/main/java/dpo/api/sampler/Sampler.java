package dpo.api.sampler;

import java.util.List;

/**
 * A distribution over ordered response pairs, given as a mixture of product distributions.
 *
 * <p>The unnormalised weight of a pair is C(y, y') = min(sum over components, {@link
 * #weightCap(double) cap}); the sampler draws (y, y') with probability W = C / sum C. Backends
 * treat the weights as constants of a step: they are never differentiated.
 *
 * <p>Implementations are immutable and thread-safe. A minimal custom sampler:
 *
 * <pre>{@code
 * Sampler halfOnPolicy = () -> List.of(
 *     PairComponent.normalised(0.5, Tilt.UNIFORM, Tilt.UNIFORM),
 *     PairComponent.normalised(0.5, Tilt.POLICY, Tilt.POLICY));
 * }</pre>
 */
@FunctionalInterface
public interface Sampler {

  /**
   * The mixture components; at least one must have a positive weight.
   *
   * @return an unmodifiable, non-empty list
   */
  List<PairComponent> components();

  /**
   * An upper bound applied to every unnormalised pair weight C(y, y') of a prompt, given the
   * prompt's reward range max r - min r. Uncapped by default. DPO-Mix-P* caps DPO-Mix-P's weight at
   * the largest weight DPO-Mix-R gives on the prompt, 2 + e^R + e^-R.
   *
   * @param rewardRange max r - min r over the prompt's responses (>= 0)
   * @return the cap, {@code Double.POSITIVE_INFINITY} for none
   */
  default double weightCap(double rewardRange) {
    return Double.POSITIVE_INFINITY;
  }

  /**
   * How many responses per prompt the sampler draws before the best and the worst by the reward
   * form the pair, when the sampler fixes it; 0 (the default) leaves it to the experiment (K in
   * {@code dpo align}). Best-of-K against worst-of-K is the on-policy pair with K fixed: its pair
   * distribution is an order statistic of K draws, which no mixture of tilts expresses, so the
   * tabular study, which computes pair distributions from {@link #components()} exactly, refuses a
   * sampler that fixes K; on language models the loop draws the K responses (ceil(K/2) from the
   * first distribution of a component, the rest from the second) and pairs the best against the
   * worst.
   *
   * @return K >= 2, or 0 for the experiment's K
   */
  default int responsesPerPrompt() {
    return 0;
  }
}
