package dpo.api.backend;

import dpo.api.BackendException;
import dpo.api.Capability;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LmTrainer;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.RewardModel;
import dpo.api.lm.RewardTrainer;
import dpo.api.lm.Tokenizer;
import dpo.api.lm.TrainerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A backend that holds and trains policies: tabular softmax policies for the bandit study, and
 * causal language models for the practical algorithm. Call order: create (from the provider), any
 * number of policies, models and trainers, {@link #close()}. A backend lacking a feature throws
 * {@link BackendException} from the methods that need it.
 */
public interface PolicyBackend extends AutoCloseable {

  /**
   * The id of the provider that created this backend.
   *
   * @return the kebab-case id
   */
  String id();

  /**
   * The features of this backend.
   *
   * @return the capabilities
   */
  Set<Capability> capabilities();

  /**
   * Creates a tabular softmax policy for a bandit problem, initialised to the uniform reference
   * (theta = 0). Backends that lack tabular policies throw {@link BackendException}.
   *
   * @param problem the rewards of every prompt and response
   * @return a policy the caller must close
   * @throws BackendException if the backend has neither {@link Capability#EXACT_GRADIENT} nor
   *     {@link Capability#SAMPLED_GRADIENT}
   */
  default TabularPolicy newTabularPolicy(TabularProblem problem) {
    throw new BackendException(
        "backend '" + id() + "' has no tabular policies; use a backend with EXACT_GRADIENT");
  }

  /**
   * Creates a causal language model with freshly initialised parameters.
   *
   * @param config the model's shape
   * @param seed seed of the initialisation; the same seed gives the same parameters
   * @return a model the caller must close
   * @throws BackendException if the backend lacks {@link Capability#GENERATION}
   */
  default LanguageModel newLanguageModel(ModelConfig config, long seed) {
    throw noLanguageModels();
  }

  /**
   * Loads a checkpoint directory written by {@link LanguageModel#save(Path)}, or a GPT-2-family
   * directory ({@code config.json}, {@code model.safetensors}).
   *
   * @param directory the checkpoint
   * @return a model the caller must close
   * @throws dpo.api.BadDataException if the checkpoint is malformed
   */
  default LanguageModel loadLanguageModel(Path directory) {
    throw noLanguageModels();
  }

  /**
   * Loads the tokenizer of a checkpoint directory ({@code tokenizer.json}, Hugging Face format).
   *
   * @param directory the checkpoint
   * @return the tokenizer
   */
  default Tokenizer loadTokenizer(Path directory) {
    throw noLanguageModels();
  }

  /**
   * Draws one response per prompt from the product of the models' next-token distributions raised
   * to the weights: logits are mixed as sum_m w_m log pi_m(token | context), per token, each model
   * keeping its own KV cache. Weights (1) with one model samples from that model; (1.5, -0.5) and
   * (0.5, 0.5) over (policy, reference) are the paper's logit-mixing pairs.
   *
   * @param models the models, all with the same vocabulary
   * @param weights one weight per model
   * @param prompts token ids of each prompt
   * @param config sampling settings and seed
   * @return the generated tokens of each prompt (ending with the end-of-sequence token if drawn)
   */
  default List<int[]> generate(
      List<LanguageModel> models, double[] weights, List<int[]> prompts, GenerationConfig config) {
    throw noLanguageModels();
  }

  /**
   * Creates an optimizer for a model's parameters.
   *
   * @param model the model to train
   * @param config optimizer and schedule
   * @return a trainer the caller must close
   */
  default LmTrainer newTrainer(LanguageModel model, TrainerConfig config) {
    throw noLanguageModels();
  }

  /**
   * Creates a reward model (transformer plus scalar head) with fresh parameters.
   *
   * @param config the transformer's shape
   * @param seed seed of the initialisation
   * @return a model the caller must close
   */
  default RewardModel newRewardModel(ModelConfig config, long seed) {
    throw noLanguageModels();
  }

  /**
   * Loads a reward-model checkpoint written by {@link RewardModel#save(Path)}.
   *
   * @param directory the checkpoint
   * @return a model the caller must close
   * @throws dpo.api.BadDataException if the checkpoint is malformed
   */
  default RewardModel loadRewardModel(Path directory) {
    throw noLanguageModels();
  }

  /**
   * Creates a Bradley-Terry trainer for a reward model.
   *
   * @param model the model to train
   * @param config optimizer and schedule
   * @return a trainer the caller must close
   */
  default RewardTrainer newRewardTrainer(RewardModel model, TrainerConfig config) {
    throw noLanguageModels();
  }

  private BackendException noLanguageModels() {
    return new BackendException(
        "backend '" + id() + "' has no language models; use a backend with GENERATION (djl)");
  }

  /**
   * Releases threads and native resources. Idempotent. Afterwards {@link #newTabularPolicy}
   * throws {@link IllegalStateException}, and so do the steps of the policies this backend created.
   */
  @Override
  void close();
}
