package dpo.datasets.synthetic;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A synthetic task's ground-truth reward of one response, with the aspects it combines.
 *
 * @param reward the scalar reward an oracle reports
 * @param aspects the named parts of the reward in the task's order (for {@code safe-helpful}:
 *     {@code helpfulness} and {@code safety}, with reward = helpfulness + safety)
 */
public record RewardBreakdown(double reward, Map<String, Double> aspects) {

  /**
   * Checks that every value is finite and keeps the aspects' order.
   *
   * @param reward the scalar reward an oracle reports
   * @param aspects the named parts of the reward in the task's order (for {@code safe-helpful}:
   *     {@code helpfulness} and {@code safety}, with reward = helpfulness + safety)
   */
  public RewardBreakdown {
    if (!Double.isFinite(reward)) {
      throw new IllegalArgumentException("reward must be finite, got " + reward);
    }
    Map<String, Double> copy = new LinkedHashMap<>();
    aspects.forEach(
        (name, value) -> {
          if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("aspect " + name + " must be finite, got " + value);
          }
          copy.put(name, value);
        });
    aspects = java.util.Collections.unmodifiableMap(copy);
  }

  /**
   * One aspect's value.
   *
   * @param name the aspect's name
   * @return its value
   * @throws IllegalArgumentException if the task has no such aspect
   */
  public double aspect(String name) {
    Double value = aspects.get(name);
    if (value == null) {
      throw new IllegalArgumentException(
          "no aspect '" + name + "'; the aspects are " + aspects.keySet());
    }
    return value;
  }
}
