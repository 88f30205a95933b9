package dpo.api.lm;

import java.nio.file.Path;

/**
 * The reward-model facet of a backend: transformers with a scalar head and their Bradley-Terry
 * training. Offered ({@link dpo.api.backend.PolicyBackend#rewardModels()}) by backends with {@link
 * dpo.api.backend.BackendCapability#REWARD_MODELS}.
 */
public interface RewardModels {

  /**
   * Creates a reward model (transformer plus scalar head) with fresh parameters.
   *
   * @param config the transformer's shape
   * @param seed seed of the initialisation
   * @return a model the caller must close
   */
  RewardModel newRewardModel(ModelConfig config, long seed);

  /**
   * Creates a reward model whose transformer starts from a checkpoint folder: a reward model's
   * checkpoint continues whole (its scalar head too); a causal language model's (for example one
   * that {@code dpo lm train} wrote) gives its body, and the scalar head is drawn from the seed.
   * The folder's tokenizer files travel with the model into the folder it is saved to.
   *
   * @param checkpoint a reward-model or language-model checkpoint folder
   * @param seed seed of a fresh scalar head
   * @return a model the caller must close
   * @throws dpo.api.BadDataException if the checkpoint is malformed
   */
  RewardModel newRewardModel(Path checkpoint, long seed);

  /**
   * Loads a reward-model checkpoint written by {@link RewardModel#save(Path)}.
   *
   * @param directory the checkpoint
   * @return a model the caller must close
   * @throws dpo.api.BadDataException if the checkpoint is malformed
   */
  RewardModel loadRewardModel(Path directory);

  /**
   * Creates a Bradley-Terry trainer for a reward model.
   *
   * @param model the model to train, created by this backend
   * @param config optimizer and schedule
   * @return a trainer the caller must close
   */
  RewardTrainer newRewardTrainer(RewardModel model, TrainerConfig config);
}
