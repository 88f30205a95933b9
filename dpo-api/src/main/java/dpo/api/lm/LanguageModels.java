package dpo.api.lm;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The language-model facet of a backend: causal models, their tokenizers, generation with logit
 * mixing and training. Offered ({@link dpo.api.backend.PolicyBackend#languageModels()}) by backends
 * with {@link dpo.api.backend.BackendCapability#LANGUAGE_MODELS}. Models are owned by the backend
 * that created them: generation and training take this backend's models.
 */
public interface LanguageModels {

  /**
   * Creates a causal language model with freshly initialised parameters.
   *
   * @param config the model's shape
   * @param seed seed of the initialisation; the same seed gives the same parameters
   * @return a model the caller must close
   */
  LanguageModel newLanguageModel(ModelConfig config, long seed);

  /**
   * The named model sizes this backend creates with {@link #newLanguageModel(String, String, Path,
   * int, long)}: each architecture (e.g. {@code llama}, {@code gpt2}) with its preset names (e.g.
   * {@code tiny}), in display order. A backend without presets offers none: the default is empty.
   *
   * @return architecture to preset names; empty if this backend has no presets
   */
  default Map<String, List<String>> presets() {
    return Map.of();
  }

  /**
   * Creates a model of a named architecture and size for a tokenizer, with freshly initialised
   * parameters: the vocabulary is the tokenizer's, its special token ids go into the model's
   * config, and its files are saved with the model, so that {@link LanguageModel#save} writes a
   * self-contained checkpoint. Callers name an architecture and preset of {@link #presets()}; the
   * framework checks that before it calls (a backend without presets is never asked).
   *
   * @param architecture an architecture of {@link #presets()}, e.g. {@code llama}
   * @param preset one of its presets, e.g. {@code tiny}
   * @param tokenizer a folder with {@code tokenizer.json} and {@code tokenizer_config.json}
   * @param contextLength longest sequence the model accepts
   * @param seed seed of the initialisation; the same seed gives the same parameters
   * @return a model the caller must close
   * @throws dpo.api.ConfigurationException naming {@code arch} or {@code preset} for a name not in
   *     {@link #presets()}
   * @throws dpo.api.BadDataException if the tokenizer files are missing or malformed
   */
  LanguageModel newLanguageModel(
      String architecture, String preset, Path tokenizer, int contextLength, long seed);

  /**
   * Loads a checkpoint directory written by {@link LanguageModel#save(Path)}, or a GPT-2-family
   * directory ({@code config.json}, {@code model.safetensors}). A backend that offers adapters also
   * loads an adapter folder ({@code adapter_config.json}): its base from the config's {@code
   * base_model_name_or_path}, with the adapters on it.
   *
   * @param directory the checkpoint
   * @return a model the caller must close
   * @throws dpo.api.BadDataException if the checkpoint is malformed
   */
  LanguageModel loadLanguageModel(Path directory);

  /**
   * Adds low-rank adapters to a model of this backend: from then on its trainers train only the
   * adapters (the base weights are frozen: no gradient, no optimizer state), {@link
   * LanguageModel#save} writes the adapters as PEFT does ({@code adapter_config.json} and {@code
   * adapter_model.safetensors}, naming the folder the base was loaded from), and {@link
   * LanguageModel#withoutAdapters()} scores as the base. {@link #loadLanguageModel} reads such a
   * folder back onto its base.
   *
   * @param model a model of this backend without adapters
   * @param config rank, scale and target modules
   * @param seed seed of the A matrices' initialisation
   * @throws dpo.api.ConfigurationException naming {@code lora-targets} for a module the model does
   *     not have, or {@code lora-rank} if this backend offers no adapters
   */
  default void addLora(LanguageModel model, LoraConfig config, long seed) {
    throw new dpo.api.ConfigurationException(
        "lora-rank",
        "this backend offers no LoRA adapters; drop --lora-rank or use the djl backend");
  }

  /**
   * What a checkpoint directory holds, read from its metadata (configuration, weight headers,
   * tokenizer) without loading any weight: architecture, sizes, parameter count, dtype, context,
   * tokenizer and special tokens, as the backend names them, in display order. A backend that
   * cannot read a checkpoint without loading it describes nothing: the default returns an empty
   * map.
   *
   * @param directory the checkpoint
   * @return field names to values, in display order; empty if this backend does not describe
   *     checkpoints
   * @throws dpo.api.BadDataException if the checkpoint is malformed
   */
  default Map<String, Object> describe(Path directory) {
    return Map.of();
  }

  /**
   * Rewrites a checkpoint directory in another format: the model of {@code source}, loaded and
   * validated as {@link #loadLanguageModel} loads it, saved into {@code target} with its tokenizer
   * and generation files, the weights in the format's element type and shards. A model with
   * adapters (an adapter folder) is written with its adapters merged into the weights, as a full
   * checkpoint.
   *
   * @param source the checkpoint to read
   * @param target the directory to write; published whole
   * @param format the weights' element type and largest shard
   * @throws dpo.api.BadDataException if the source checkpoint is malformed
   */
  void convert(Path source, Path target, SaveFormat format);

  /**
   * Loads the tokenizer of a checkpoint directory ({@code tokenizer.json}, Hugging Face format).
   *
   * @param directory the checkpoint
   * @return the tokenizer
   * @throws dpo.api.BadDataException if the file is missing or malformed
   */
  Tokenizer loadTokenizer(Path directory);

  /**
   * Draws one response per prompt from the product of the models' next-token distributions raised
   * to the weights: logits are mixed as sum_m w_m log pi_m(token | context), per token, each model
   * keeping its own KV cache. Weights (1) with one model samples from that model; (1.5, -0.5) and
   * (0.5, 0.5) over (policy, reference) are the paper's logit-mixing pairs.
   *
   * @param models the models, all with the same vocabulary, created by this backend
   * @param weights one weight per model
   * @param prompts token ids of each prompt
   * @param config sampling settings and seed
   * @return the generated tokens of each prompt (ending with the end-of-sequence token if drawn)
   */
  List<int[]> generate(
      List<LanguageModel> models, double[] weights, List<int[]> prompts, GenerationConfig config);

  /**
   * Creates an optimizer for a model's parameters. The reference model of its DPO steps may come
   * from any backend: the trainer reads it through {@link LanguageModel#sequenceLogProbs}.
   *
   * @param model the model to train, created by this backend
   * @param config optimizer and schedule
   * @return a trainer the caller must close
   */
  LmTrainer newTrainer(LanguageModel model, TrainerConfig config);
}
