package dpo.api.oracle;

import dpo.api.objective.LogisticForm;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * How two rewards become a preference label: the probability p that the first response is
 * preferred, which the objectives take as their label (soft-label Bradley-Terry DPO when 0 &lt; p
 * &lt; 1, ordinary DPO when p is 0 or 1). All three rules read the scaled reward gap, the margin m
 * = scale (r_first - r_second); the paper uses scale 4 on Safe-RLHF and 1 on Iterative-Prompt.
 */
public enum LabelRule {
  /** p = sigma(m): the Bradley-Terry probability itself (the paper's soft labels). */
  SOFT("soft"),
  /**
   * p = 1 if m &gt; 0, 0 if m &lt; 0, and 1/2 on a tie, which makes the pair's loss symmetric: a
   * tied pair only pulls the two responses' implicit rewards together. Pair builders that drop ties
   * ({@link BestWorstPair}) never produce one.
   */
  HARD("hard"),
  /**
   * p = 1 with probability sigma(m), else 0: a simulated annotator who follows Bradley-Terry, as in
   * the sampled-gradient tabular study.
   */
  BERNOULLI("bernoulli");

  private final String id;

  LabelRule(String id) {
    this.id = id;
  }

  /**
   * The name used in configs and on the command line.
   *
   * @return {@code soft}, {@code hard} or {@code bernoulli}
   */
  public String id() {
    return id;
  }

  /**
   * The rule with the given id.
   *
   * @param id {@code soft}, {@code hard} or {@code bernoulli} (any case)
   * @return the rule
   * @throws IllegalArgumentException if no rule has that id; the message lists the ids
   */
  public static LabelRule fromId(String id) {
    for (LabelRule rule : values()) {
      if (rule.id.equals(id == null ? null : id.strip().toLowerCase(Locale.ROOT))) {
        return rule;
      }
    }
    throw new IllegalArgumentException(
        "unknown label rule '"
            + id
            + "'; known rules: "
            + Arrays.stream(values()).map(LabelRule::id).collect(Collectors.joining(", ")));
  }

  /**
   * The label for a scaled reward gap.
   *
   * @param margin m = scale (r_first - r_second); infinite values are allowed
   * @param random the source of the draw; used by {@link #BERNOULLI} only, may be null otherwise
   * @return the probability that the first response is preferred, in [0, 1]
   * @throws IllegalArgumentException if {@code margin} is NaN
   * @throws NullPointerException if the rule is {@link #BERNOULLI} and {@code random} is null
   */
  public double label(double margin, SplittableRandom random) {
    if (Double.isNaN(margin)) {
      throw new IllegalArgumentException("the reward margin is NaN; rewards must be finite");
    }
    switch (this) {
      case SOFT:
        return LogisticForm.sigmoid(margin);
      case HARD:
        return margin > 0 ? 1 : margin < 0 ? 0 : 0.5;
      default:
        if (random == null) {
          throw new NullPointerException("the bernoulli label rule needs a SplittableRandom");
        }
        return random.nextDouble() < LogisticForm.sigmoid(margin) ? 1 : 0;
    }
  }

  /**
   * The label for two rewards.
   *
   * @param first the reward of the first response, finite
   * @param second the reward of the second response, finite
   * @param scale the margin scale, a finite number > 0
   * @param random the source of the draw; used by {@link #BERNOULLI} only, may be null otherwise
   * @return the probability that the first response is preferred, in [0, 1]
   * @throws IllegalArgumentException if a reward is not finite or the scale is not > 0
   */
  public double label(double first, double second, double scale, SplittableRandom random) {
    return label(margin(first, second, scale), random);
  }

  /**
   * The scaled reward gap m = scale (first - second), after checking its inputs.
   *
   * @param first the first reward, finite
   * @param second the second reward, finite
   * @param scale a finite number > 0
   * @return the margin
   * @throws IllegalArgumentException if a reward is not finite or the scale is not > 0
   */
  public static double margin(double first, double second, double scale) {
    if (!Double.isFinite(first) || !Double.isFinite(second)) {
      throw new IllegalArgumentException("rewards must be finite, got " + first + " and " + second);
    }
    checkScale(scale);
    return scale * (first - second);
  }

  static void checkScale(double scale) {
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException(
          "the margin scale must be a finite number > 0, got " + scale);
    }
  }
}
