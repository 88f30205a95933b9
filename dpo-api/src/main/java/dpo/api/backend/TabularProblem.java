package dpo.api.backend;

import java.util.Arrays;

/**
 * A contextual bandit: X prompts, Y responses each, and the true reward of every response.
 * Preferences follow Bradley-Terry: P(y beats y' | x) = sigma(r(x, y) - r(x, y')). The reference
 * policy is uniform. Immutable: the rewards are copied on the way in and out.
 */
public final class TabularProblem {
  private final double[][] rewards;

  /**
   * Creates a problem.
   *
   * @param rewards X rows of Y finite rewards; X >= 1, Y >= 2, every row the same length
   * @throws IllegalArgumentException if the table is empty, ragged or not finite
   */
  public TabularProblem(double[][] rewards) {
    if (rewards.length == 0) {
      throw new IllegalArgumentException("a bandit problem needs at least one prompt");
    }
    int y = rewards[0].length;
    if (y < 2) {
      throw new IllegalArgumentException(
          "a bandit problem needs at least 2 responses per prompt, got " + y);
    }
    this.rewards = new double[rewards.length][];
    for (int x = 0; x < rewards.length; x++) {
      if (rewards[x].length != y) {
        throw new IllegalArgumentException(
            "prompt " + x + " has " + rewards[x].length + " rewards, prompt 0 has " + y);
      }
      for (int j = 0; j < y; j++) {
        if (!Double.isFinite(rewards[x][j])) {
          throw new IllegalArgumentException(
              "reward of prompt "
                  + x
                  + ", response "
                  + j
                  + " must be finite, got "
                  + rewards[x][j]);
        }
      }
      this.rewards[x] = rewards[x].clone();
    }
  }

  /**
   * The number of prompts X.
   *
   * @return X
   */
  public int prompts() {
    return rewards.length;
  }

  /**
   * The number of responses per prompt Y.
   *
   * @return Y
   */
  public int responses() {
    return rewards[0].length;
  }

  /**
   * The reward of one response.
   *
   * @param prompt the prompt index
   * @param response the response index
   * @return r(prompt, response)
   */
  public double reward(int prompt, int response) {
    return rewards[prompt][response];
  }

  /**
   * A copy of one prompt's rewards.
   *
   * @param prompt the prompt index
   * @return the Y rewards
   */
  public double[] rewards(int prompt) {
    return rewards[prompt].clone();
  }

  /**
   * Copies one prompt's rewards into a buffer without allocating.
   *
   * @param prompt the prompt index
   * @param out a buffer of length >= Y
   */
  public void copyRewards(int prompt, double[] out) {
    System.arraycopy(rewards[prompt], 0, out, 0, rewards[prompt].length);
  }

  /**
   * A deep copy of the whole table.
   *
   * @return X rows of Y rewards
   */
  public double[][] toArray() {
    double[][] copy = new double[rewards.length][];
    for (int x = 0; x < rewards.length; x++) {
      copy[x] = rewards[x].clone();
    }
    return copy;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TabularProblem p && Arrays.deepEquals(rewards, p.rewards);
  }

  @Override
  public int hashCode() {
    return Arrays.deepHashCode(rewards);
  }

  @Override
  public String toString() {
    return "TabularProblem[prompts=" + prompts() + ", responses=" + responses() + "]";
  }
}
