package dpo.core.align;

import dpo.api.ConfigurationException;
import dpo.api.sampler.PairComponent;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.Tilt;
import java.util.ArrayList;
import java.util.List;

/**
 * A sampler as a language model can realise it: a mixture of pairs of per-token logit mixes
 * w_policy log pi + w_reference log pi_ref. A tilt pi^a pi_ref^b (pi / pi_ref)^(d beta) has the
 * weights (a + d beta, b - d beta); a tilt on the true reward (c != 0) would need the reward of
 * every possible response and cannot be generated.
 *
 * @param components the pairs with their mixture probabilities (summing to 1)
 */
public record GenerationPlan(List<Pair> components) {

  /**
   * One mixture component.
   *
   * @param probability its share of the prompts
   * @param first logit-mixing weights (policy, reference) of the first distribution
   * @param second logit-mixing weights (policy, reference) of the second distribution
   */
  public record Pair(double probability, double[] first, double[] second) {
    /**
     * Copies the weights.
     *
     * @param probability its share of the prompts
     * @param first logit-mixing weights (policy, reference) of the first distribution
     * @param second logit-mixing weights (policy, reference) of the second distribution
     */
    public Pair {
      first = first.clone();
      second = second.clone();
    }

    /** {@return a copy of the first distribution's weights} */
    @Override
    public double[] first() {
      return first.clone();
    }

    /** {@return a copy of the second distribution's weights} */
    @Override
    public double[] second() {
      return second.clone();
    }
  }

  /**
   * Copies the components.
   *
   * @param components the pairs with their mixture probabilities (summing to 1)
   */
  public GenerationPlan {
    components = List.copyOf(components);
  }

  /**
   * Maps a sampler onto logit mixes.
   *
   * @param sampler the sampler
   * @param beta the objective's beta, which scales implicit-reward tilts
   * @return the plan
   * @throws ConfigurationException (field {@code samplers}) if the sampler tilts by the true
   *     reward, or mixes components whose shares depend on unknown partition functions
   */
  public static GenerationPlan of(Sampler sampler, double beta) {
    List<PairComponent> parts = sampler.components().stream().filter(c -> c.weight() > 0).toList();
    double total = parts.stream().mapToDouble(PairComponent::weight).sum();
    if (sampler.weightCap(0) != Double.POSITIVE_INFINITY) {
      throw new ConfigurationException("samplers", "a sampler with capped pair weights cannot"
          + " generate text (the cap depends on the rewards of every possible response)");
    }
    List<Pair> pairs = new ArrayList<>();
    for (PairComponent c : parts) {
      if (c.first().usesReward() || c.second().usesReward()) {
        throw new ConfigurationException("samplers", "a sampler that tilts by the true reward cannot"
            + " generate text (it needs the reward of every possible response)");
      }
      boolean plain = isUniform(c.first()) && isUniform(c.second());
      if (c.scale() == PairComponent.Scale.UNNORMALISED && parts.size() > 1 && !plain) {
        throw new ConfigurationException("samplers", "a sampler whose components are weighted by"
            + " their partition functions cannot generate text (the shares are unknown for a"
            + " language model)");
      }
      pairs.add(new Pair(c.weight() / total, weights(c.first(), beta), weights(c.second(), beta)));
    }
    return new GenerationPlan(pairs);
  }

  /**
   * Whether a sampler can run on a language model.
   *
   * @param sampler the sampler
   * @return true if {@link #of} accepts it
   */
  public static boolean supports(Sampler sampler) {
    try {
      of(sampler, 1);
      return true;
    } catch (ConfigurationException e) {
      return false;
    }
  }

  /**
   * Which component a draw u in [0, 1) selects.
   *
   * @param u a uniform draw
   * @return the component's index
   */
  int pick(double u) {
    double cumulative = 0;
    for (int i = 0; i < components.size() - 1; i++) {
      cumulative += components.get(i).probability();
      if (u < cumulative) {
        return i;
      }
    }
    return components.size() - 1;
  }

  private static boolean isUniform(Tilt t) {
    return t.policy() == 0 && t.reference() == 0 && t.implicitReward() == 0 && t.reward() == 0;
  }

  private static double[] weights(Tilt t, double beta) {
    return new double[] {t.policy() + t.implicitReward() * beta,
        t.reference() - t.implicitReward() * beta};
  }
}
