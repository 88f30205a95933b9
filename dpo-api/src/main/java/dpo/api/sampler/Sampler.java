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
}
