package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDManager;
import dpo.api.ConfigurationException;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LmTrainer;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.RewardModel;
import dpo.api.lm.RewardTrainer;
import dpo.api.lm.TrainerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The backend's entry points into this package. */
public final class LanguageModels {
  private LanguageModels() {}

  /**
   * A fresh GPT-2-style model.
   *
   * @param manager the backend's manager
   * @param config shape
   * @param seed initialisation seed
   * @return the model
   */
  public static LanguageModel create(NDManager manager, ModelConfig config, long seed) {
    return GptModel.create(manager, GptArchitecture.gpt2(config), seed);
  }

  /**
   * A model from a checkpoint folder.
   *
   * @param manager the backend's manager
   * @param directory the folder
   * @return the model
   */
  public static LanguageModel load(NDManager manager, Path directory) {
    return GptModel.load(manager, directory);
  }

  /**
   * Generation from a logit mixture.
   *
   * @param manager the backend's manager
   * @param models models to mix
   * @param weights their weights
   * @param prompts prompts
   * @param config sampling settings
   * @param kvCache whether to cache keys and values
   * @return responses
   */
  public static List<int[]> generate(NDManager manager, List<LanguageModel> models,
      double[] weights, List<int[]> prompts, GenerationConfig config, boolean kvCache) {
    List<GptModel> gpt = new ArrayList<>();
    for (LanguageModel m : models) {
      gpt.add(own(m));
    }
    return new Generator(gpt, weights, config, kvCache).generate(manager, prompts);
  }

  /**
   * An AdamW trainer.
   *
   * @param model model to train
   * @param config optimizer settings
   * @return the trainer
   */
  public static LmTrainer trainer(LanguageModel model, TrainerConfig config) {
    return new DjlTrainer(own(model), config);
  }

  /**
   * A fresh reward model.
   *
   * @param manager the backend's manager
   * @param config shape
   * @param seed initialisation seed
   * @return the model
   */
  public static RewardModel createRewardModel(NDManager manager, ModelConfig config, long seed) {
    return GptRewardModel.create(manager, GptArchitecture.gpt2(config), seed);
  }

  /**
   * A reward model from a checkpoint folder.
   *
   * @param manager the backend's manager
   * @param directory the folder
   * @return the model
   */
  public static RewardModel loadRewardModel(NDManager manager, Path directory) {
    return GptRewardModel.load(manager, directory);
  }

  /**
   * A Bradley-Terry trainer.
   *
   * @param model the reward model
   * @param config optimizer settings
   * @return the trainer
   */
  public static RewardTrainer rewardTrainer(RewardModel model, TrainerConfig config) {
    if (!(model instanceof GptRewardModel g)) {
      throw new ConfigurationException("model", "reward model of type "
          + model.getClass().getName() + " does not belong to the djl backend");
    }
    return new BradleyTerryTrainer(g, config);
  }

  static GptModel own(LanguageModel model) {
    if (model instanceof GptModel g) {
      return g;
    }
    throw new ConfigurationException("model", "model of type " + model.getClass().getName()
        + " does not belong to the djl backend; create it with that backend");
  }
}
