package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDManager;
import dpo.api.ConfigurationException;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.RewardModel;
import dpo.api.lm.RewardModels;
import dpo.api.lm.RewardTrainer;
import dpo.api.lm.TrainerConfig;
import java.nio.file.Path;

/** The djl backend's reward models: GPT-2-style transformers with a scalar head. */
public final class DjlRewardModels implements RewardModels {
  private final NDManager manager;

  /**
   * The facet of one backend.
   *
   * @param manager the backend's root manager
   */
  public DjlRewardModels(NDManager manager) {
    this.manager = manager;
  }

  @Override
  public RewardModel newRewardModel(ModelConfig config, long seed) {
    return GptRewardModel.create(manager, GptArchitecture.gpt2(config), seed);
  }

  @Override
  public RewardModel newRewardModel(Path checkpoint, long seed) {
    return GptRewardModel.fromCheckpoint(manager, checkpoint, seed);
  }

  @Override
  public RewardModel loadRewardModel(Path directory) {
    return GptRewardModel.load(manager, directory);
  }

  @Override
  public RewardTrainer newRewardTrainer(RewardModel model, TrainerConfig config) {
    if (!(model instanceof GptRewardModel g)) {
      throw new ConfigurationException(
          "model",
          "reward model of type "
              + model.getClass().getName()
              + " does not belong to the djl backend; create or load it"
              + " with that backend");
    }
    return new BradleyTerryTrainer(g, config);
  }
}
