package dpo.api.sampler;

import dpo.api.ConfigurationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A sampler as a language model can realise it: a mixture of pairs of per-token logit mixes
 * w_policy log pi + w_reference log pi_ref. A tilt pi^a pi_ref^b (pi / pi_ref)^(d beta) has the
 * weights (a + d beta, b - d beta).
 *
 * <p>This is where it is decided whether a sampler runs on a language model; anyone can ask ({@link
 * #refusal}, {@link #supports}) before a run. A sampler is refused, with every reason named, when
 *
 * <ul>
 *   <li>a tilt uses the true reward (c != 0): that needs the reward of every possible response;
 *   <li>a tilt is uniform (both logit weights 0, e.g. {@link Tilt#UNIFORM}): on a language model
 *       that is a sequence of uniformly random tokens, not a response from the task, so it is
 *       refused rather than generating junk (use {@link Tilt#REFERENCE} or {@link Tilt#POLICY}, as
 *       the paper's practical sampler does);
 *   <li>several components are {@link PairComponent.Scale#UNNORMALISED}: their shares depend on
 *       partition functions over all responses, unknown for a language model;
 *   <li>its pair weights are capped ({@link Sampler#weightCap} finite at any reward range in {@link
 *       #CAP_PROBES}): the cap depends on the rewards of every possible response.
 * </ul>
 *
 * @param components the pairs with their mixture probabilities (summing to 1)
 */
public record GenerationPlan(List<Pair> components) {

  /**
   * The reward ranges at which {@link Sampler#weightCap} is probed: a cap is a function of the
   * range, and a sampler capped at any of these cannot generate text.
   */
  public static final List<Double> CAP_PROBES =
      List.of(0.0, 1e-3, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 100.0, 1e3, 1e6);

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
   * @throws ConfigurationException (field {@code samplers}) naming every reason the sampler cannot
   *     run on a language model
   */
  public static GenerationPlan of(Sampler sampler, double beta) {
    List<String> reasons = new ArrayList<>();
    List<Pair> pairs = plan(sampler, beta, reasons);
    if (!reasons.isEmpty()) {
      throw new ConfigurationException(
          "samplers", "the sampler cannot run on a language model: " + String.join("; ", reasons));
    }
    return new GenerationPlan(pairs);
  }

  /**
   * Why a sampler cannot run on a language model, if it cannot.
   *
   * @param sampler the sampler
   * @param beta the objective's beta
   * @return every reason, joined with "; ", or empty if the sampler runs
   */
  public static Optional<String> refusal(Sampler sampler, double beta) {
    List<String> reasons = new ArrayList<>();
    plan(sampler, beta, reasons);
    return reasons.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", reasons));
  }

  /**
   * Whether a sampler can run on a language model.
   *
   * @param sampler the sampler
   * @param beta the objective's beta
   * @return true if {@link #of} accepts it
   */
  public static boolean supports(Sampler sampler, double beta) {
    return refusal(sampler, beta).isEmpty();
  }

  private static List<Pair> plan(Sampler sampler, double beta, List<String> reasons) {
    List<PairComponent> all = sampler.components();
    List<Pair> pairs = new ArrayList<>();
    double total = all.stream().mapToDouble(PairComponent::weight).sum();
    if (!(total > 0)) {
      reasons.add("no component has a positive weight");
      return pairs;
    }
    for (double range : CAP_PROBES) {
      double cap = sampler.weightCap(range);
      if (cap != Double.POSITIVE_INFINITY) {
        reasons.add(
            String.format(
                Locale.ROOT,
                "its pair weights are capped (weightCap(%s) = %s),"
                    + " and the cap depends on the rewards of every possible response",
                range,
                cap));
        break;
      }
    }
    long weighted = all.stream().filter(c -> c.weight() > 0).count();
    for (int i = 0; i < all.size(); i++) {
      PairComponent c = all.get(i);
      if (c.weight() == 0) {
        continue;
      }
      String name = "component " + (i + 1);
      if (c.first().usesReward() || c.second().usesReward()) {
        reasons.add(
            name
                + " tilts by the true reward, which needs the reward of every possible"
                + " response");
        continue;
      }
      double[] first = weights(c.first(), beta);
      double[] second = weights(c.second(), beta);
      if (isUniform(first) || isUniform(second)) {
        reasons.add(
            name
                + " draws a response from the uniform distribution (a tilt whose policy"
                + " and reference weights are both 0), which on a language model is uniformly random"
                + " tokens; tilt by the reference or the policy instead");
        continue;
      }
      if (c.scale() == PairComponent.Scale.UNNORMALISED && weighted > 1) {
        reasons.add(
            name
                + " is weighted by its partition function (UNNORMALISED scale in a"
                + " mixture), which is unknown for a language model");
        continue;
      }
      pairs.add(new Pair(c.weight() / total, first, second));
    }
    return pairs;
  }

  /**
   * Which component a draw u in [0, 1) selects.
   *
   * @param u a uniform draw
   * @return the component's index
   */
  public int pick(double u) {
    double cumulative = 0;
    for (int i = 0; i < components.size() - 1; i++) {
      cumulative += components.get(i).probability();
      if (u < cumulative) {
        return i;
      }
    }
    return components.size() - 1;
  }

  private static boolean isUniform(double[] weights) {
    return weights[0] == 0 && weights[1] == 0;
  }

  private static double[] weights(Tilt t, double beta) {
    return new double[] {
      t.policy() + t.implicitReward() * beta, t.reference() - t.implicitReward() * beta
    };
  }
}
