package dpo.api.lm;

import java.nio.file.Path;
import java.util.List;

/**
 * A learned reward model: a causal transformer with a scalar head read at the last token of prompt
 * plus response. Not thread-safe; close it to free its memory.
 */
public interface RewardModel extends AutoCloseable {

  /**
   * The transformer's shape.
   *
   * @return its config
   */
  ModelConfig config();

  /**
   * Rewards of responses to prompts. Batched; padding never changes a result.
   *
   * @param prompts token ids of each prompt (non-empty)
   * @param responses token ids of each response
   * @return one reward per pair
   */
  double[] score(List<int[]> prompts, List<int[]> responses);

  /**
   * Saves the model as a checkpoint directory ({@code config.json}, {@code model.safetensors} with
   * GPT-2's names plus {@code score.weight}), atomically.
   *
   * @param directory target directory; replaced if present
   */
  void save(Path directory);

  @Override
  void close();
}
