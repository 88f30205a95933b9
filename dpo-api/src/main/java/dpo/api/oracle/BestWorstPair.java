package dpo.api.oracle;

import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The pair the paper's practical algorithm trains on from K scored responses to one prompt: the
 * highest-rewarded response is chosen, the lowest rejected, and a prompt whose responses all tie is
 * dropped. Among equal best (or worst) rewards the first index wins, so the choice is
 * deterministic.
 *
 * <pre>{@code
 * double[] rewards = oracle.score(Collections.nCopies(k, prompt), responses);
 * BestWorstPair.of(rewards, 4.0).ifPresent(pair ->
 *     train(responses.get(pair.chosen()), responses.get(pair.rejected()), pair.label(LabelRule.SOFT, null)));
 * }</pre>
 *
 * @param chosen the index of the best response
 * @param rejected the index of the worst response, different from {@code chosen}
 * @param margin scale (r_chosen - r_rejected), >= 0 (0 only when the scaled gap underflows)
 */
public record BestWorstPair(int chosen, int rejected, double margin) {

  /**
   * Validates the components.
   *
   * @param chosen the index of the best response
   * @param rejected the index of the worst response, different from {@code chosen}
   * @param margin scale (r_chosen - r_rejected), >= 0 (0 only when the scaled gap underflows)
   */
  public BestWorstPair {
    if (chosen < 0 || rejected < 0 || chosen == rejected) {
      throw new IllegalArgumentException(
          "chosen and rejected must be distinct indices >= 0, got " + chosen + " and " + rejected);
    }
    if (!(margin >= 0)) {
      throw new IllegalArgumentException("margin must be >= 0, got " + margin);
    }
  }

  /**
   * Picks the best and the worst of K responses.
   *
   * @param rewards the rewards of the K >= 2 responses to one prompt, finite
   * @param scale the margin scale, a finite number > 0 (the paper: 4 on Safe-RLHF, 1 on
   *     Iterative-Prompt)
   * @return the pair, or empty when every reward is equal (a tie carries no preference)
   * @throws IllegalArgumentException if there are fewer than 2 rewards, one is not finite, or the
   *     scale is not > 0
   */
  public static Optional<BestWorstPair> of(double[] rewards, double scale) {
    if (rewards.length < 2) {
      throw new IllegalArgumentException(
          "best-vs-worst needs at least 2 responses per prompt, got " + rewards.length);
    }
    LabelRule.checkScale(scale);
    int best = 0;
    int worst = 0;
    for (int i = 0; i < rewards.length; i++) {
      if (!Double.isFinite(rewards[i])) {
        throw new IllegalArgumentException(
            "reward " + i + " is " + rewards[i] + "; rewards must be finite");
      }
      if (rewards[i] > rewards[best]) {
        best = i;
      }
      if (rewards[i] < rewards[worst]) {
        worst = i;
      }
    }
    if (rewards[best] == rewards[worst]) {
      return Optional.empty();
    }
    return Optional.of(new BestWorstPair(best, worst, scale * (rewards[best] - rewards[worst])));
  }

  /**
   * The label of this pair: the probability that the chosen response is preferred.
   *
   * @param rule how the margin becomes a label
   * @param random the source of the draw for {@link LabelRule#BERNOULLI}; may be null otherwise
   * @return the label in [0, 1]: sigma(margin) for soft labels, 1 for hard ones, a 0/1 draw for
   *     Bernoulli labels
   */
  public double label(LabelRule rule, SplittableRandom random) {
    return rule.label(margin, random);
  }
}
