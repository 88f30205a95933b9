package dpo.api.lm;

import dpo.api.ConfigurationException;
import java.util.List;

/**
 * Low-rank adapters (LoRA) on chosen linear layers of a language model: each targeted weight W is
 * used as W + (alpha / rank) B A, with A of shape (rank, in) drawn as PEFT draws it and B of shape
 * (out, rank) at zero, so the adapted model starts equal to its base. Only A and B are trained.
 *
 * @param rank the adapters' rank r, at least 1
 * @param alpha the scale numerator: the update is scaled by alpha / rank
 * @param targets the layers' module names as PEFT names them (for example {@code q_proj} and {@code
 *     v_proj} of a Llama model, {@code c_attn} of GPT-2), or {@code all-linear} for every attention
 *     and MLP projection
 */
public record LoraConfig(int rank, double alpha, List<String> targets) {

  /** The value of {@code targets} that selects every attention and MLP projection. */
  public static final String ALL_LINEAR = "all-linear";

  /**
   * Validates the settings.
   *
   * @param rank the adapters' rank r, at least 1
   * @param alpha the scale numerator: the update is scaled by alpha / rank
   * @param targets the layers' module names as PEFT names them, or {@code all-linear}; empty for
   *     the model family's default (PEFT's: {@code q_proj, v_proj} for Llama, {@code c_attn} for
   *     GPT-2)
   */
  public LoraConfig {
    if (rank < 1) {
      throw new ConfigurationException("lora-rank", "--lora-rank must be at least 1, got " + rank);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new ConfigurationException(
          "lora-alpha", "--lora-alpha must be a positive number, got " + alpha);
    }
    targets = List.copyOf(targets);
    for (String t : targets) {
      if (t.isBlank()) {
        throw new ConfigurationException(
            "lora-targets",
            "--lora-targets has an empty module name; list names like q_proj,v_proj");
      }
    }
  }

  /**
   * Rank r with alpha = 2r (a common choice) on the model family's default modules.
   *
   * @param rank the rank
   * @return the config
   */
  public static LoraConfig ofRank(int rank) {
    return new LoraConfig(rank, 2.0 * rank, List.of());
  }

  /**
   * The factor of B A in the adapted weight.
   *
   * @return alpha / rank
   */
  public double scale() {
    return alpha / rank;
  }
}
