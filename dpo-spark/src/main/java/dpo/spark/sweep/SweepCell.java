package dpo.spark.sweep;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One combination of a sweep's grid: {@code dpo bandit}'s options as text, one sampler in {@code
 * samplers}. What a Spark task receives.
 *
 * @param id a stable name of the combination (a hash of its options), the name of its file in
 *     {@code cells/}
 * @param options option name to its text, in the grid's order
 */
public record SweepCell(String id, Map<String, String> options) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Copies the options, keeping their order (and a type that Spark can serialize). */
  public SweepCell {
    options = new LinkedHashMap<>(options);
  }

  /**
   * The sampler of this cell.
   *
   * @return its id
   */
  public String sampler() {
    return options.get("samplers");
  }
}
