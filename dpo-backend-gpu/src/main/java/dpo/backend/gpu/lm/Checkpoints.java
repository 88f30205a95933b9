package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDManager;
import dpo.api.BadDataException;
import dpo.api.lm.LanguageModel;
import dpo.backend.gpu.safetensors.SafeTensors;
import dpo.backend.gpu.text.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Hugging Face checkpoint folders: what a folder holds (read from its JSON files and safetensors
 * headers only, {@link DjlLanguageModels#describe}), and random models of preset sizes.
 */
public final class Checkpoints {
  private Checkpoints() {}

  /**
   * A folder's architecture, size, dtype, context, tokenizer and special tokens, read without
   * loading any weight. An adapter folder ({@code adapter_config.json}) gives its base's fields,
   * then the adapter's rank, alpha and targets and the base folder.
   *
   * @param directory the checkpoint folder
   * @return fields in display order
   */
  public static Map<String, Object> info(Path directory) {
    if (LoraAdapters.isAdapterFolder(directory)) {
      Path base = LoraAdapters.base(directory);
      Map<String, Object> out = new LinkedHashMap<>(info(base));
      com.google.gson.JsonObject config =
          Checkpoint.readJson(directory.resolve(LoraAdapters.CONFIG_FILE), true);
      out.put(
          "adapter",
          "LoRA r="
              + config.get("r")
              + " lora_alpha="
              + config.get("lora_alpha")
              + " ("
              + LoraAdapters.WEIGHTS_FILE
              + ")");
      out.put("adapter_targets", String.valueOf(config.get("target_modules")));
      out.put("base", base.toString());
      return out;
    }
    Checkpoint c = Checkpoint.open(directory);
    // The headers against the config, as every loading command checks them (extra tensors aside:
    // a reward model's head is one).
    c.checkTensors(Set.of(), false);
    GptArchitecture a = c.architecture();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model_type", a.modelType());
    out.put("layers", a.model().layers());
    out.put("hidden_size", a.model().width());
    out.put("heads", a.model().heads());
    out.put("kv_heads", a.keyValueHeads());
    out.put("head_dim", a.headDim());
    out.put("intermediate_size", a.intermediateSize());
    out.put("vocab_size", a.model().vocabularySize());
    out.put("context", a.model().contextLength());
    if (!a.isGpt2()) {
      out.put("rope_theta", a.ropeTheta());
      out.put(
          "rope_scaling", a.ropeScaling() == null ? "none" : "llama3 x" + a.ropeScaling().factor());
    }
    out.put("tie_word_embeddings", a.tieWordEmbeddings());
    out.put("parameters", a.parameterCount());
    Map<String, Long> dtypes = new TreeMap<>();
    long stored = 0;
    for (SafeTensors.Entry e : c.entries().values()) {
      dtypes.merge(e.dtype().name(), e.elements(), Long::sum);
      stored += e.elements();
    }
    out.put("stored_elements", stored);
    out.put(
        "dtype",
        dtypes.size() == 1 ? dtypes.keySet().iterator().next().toLowerCase() : dtypes.toString());
    out.put(
        "weights",
        Files.isRegularFile(directory.resolve(Checkpoint.INDEX_FILE))
            ? Checkpoint.INDEX_FILE
                + " ("
                + c.entries().values().stream().map(e -> e.file()).distinct().count()
                + " shards)"
            : GptModel.WEIGHTS_FILE);
    if (Files.isRegularFile(directory.resolve("tokenizer.json"))) {
      HfTokenizer t = HfTokenizer.load(directory);
      if (t.vocabularySize() > a.model().vocabularySize()) {
        // Every loading command refuses this pair (its ids would index past the embedding).
        throw new BadDataException(
            directory.resolve("tokenizer.json"),
            0,
            null,
            "the tokenizer has "
                + t.vocabularySize()
                + " tokens, config.json's vocab_size is "
                + a.model().vocabularySize()
                + "; the files belong to different models");
      }
      out.put("tokenizer", "tokenizer.json, " + t.vocabularySize() + " tokens");
      out.put("bos", special(t, t.beginOfSequence()));
      out.put("eos", special(t, t.endOfSequence()));
      out.put("pad", special(t, t.padding()));
    } else {
      out.put("tokenizer", "none (no tokenizer.json)");
    }
    return out;
  }

  private static String special(HfTokenizer t, int id) {
    return id < 0 ? "none" : id + " " + t.token(id);
  }

  /**
   * Rewrites a checkpoint folder in another format: the weights in float32 or bfloat16, in one file
   * or in shards with {@code model.safetensors.index.json}, with config.json, the tokenizer and
   * generation files, and a {@code tokenizer_config.json} if the source had none. The source is
   * loaded and validated first, as any {@code --model}; the target is written as {@link
   * LanguageModel#save} writes. An adapter folder ({@code adapter_config.json}) is merged into its
   * base first (see {@link #merge}), so the target is a full checkpoint that needs neither PEFT nor
   * the base folder.
   *
   * @param manager the backend's manager
   * @param source the checkpoint or adapter folder to read
   * @param target the folder to write; a new folder is published whole
   * @param format the weights' dtype and largest shard
   */
  public static void convert(NDManager manager, Path source, Path target, CheckpointFormat format) {
    if (LoraAdapters.isAdapterFolder(source)) {
      merge(manager, source, null, target, format);
      return;
    }
    try (GptModel model = GptModel.load(manager, source)) {
      model.save(target, format);
    }
  }

  /**
   * Loads an adapter folder ({@code adapter_config.json} and {@code adapter_model.safetensors}, as
   * PEFT writes them) onto a base checkpoint.
   *
   * @param manager the backend's manager
   * @param adapter the adapter folder
   * @param base the base checkpoint folder, or null for the one the adapter config's {@code
   *     base_model_name_or_path} names
   * @return the adapted model; its trainers train only the adapters
   */
  public static LanguageModel loadAdapter(NDManager manager, Path adapter, Path base) {
    return GptModel.loadAdapter(manager, adapter, base);
  }

  /**
   * Merges an adapter folder into its base and writes a full checkpoint: every adapted weight W
   * becomes W + (lora_alpha / r) B A; the tokenizer files of the base go with it.
   *
   * @param manager the backend's manager
   * @param adapter the adapter folder
   * @param base the base checkpoint folder, or null for the adapter config's {@code
   *     base_model_name_or_path}
   * @param target the folder to write; a new folder is published whole
   * @param format the weights' dtype and largest shard
   */
  public static void merge(
      NDManager manager, Path adapter, Path base, Path target, CheckpointFormat format) {
    try (GptModel adapted = GptModel.loadAdapter(manager, adapter, base);
        GptModel merged = adapted.merged()) {
      merged.save(target, format);
    }
  }

  /**
   * A full model of the djl backend with its adapters merged in (W + (alpha / r) B A); a copy when
   * the model has no adapters.
   *
   * @param model a language model of the djl backend
   * @return a new model without adapters, owned by the caller
   */
  public static LanguageModel merged(LanguageModel model) {
    return DjlLanguageModels.own(model).merged();
  }

  /**
   * Saves a model of this backend in the given format (see {@link #convert}).
   *
   * @param model a language model of the djl backend
   * @param target the folder to write
   * @param format the weights' dtype and largest shard
   * @throws IllegalArgumentException for a model of another backend
   */
  public static void save(LanguageModel model, Path target, CheckpointFormat format) {
    if (!(model instanceof GptModel gpt)) {
      throw new IllegalArgumentException(
          "can only save models of the djl backend in a chosen format, not " + model.getClass());
    }
    gpt.save(target, format);
  }

  /**
   * A random model of a preset size (for benchmarks and tests of commands).
   *
   * @param manager the backend's manager
   * @param arch {@code llama} or {@code gpt2}
   * @param preset a name of {@link ModelPresets#NAMES}
   * @param vocabulary vocabulary size, or 0 for the preset's
   * @param context longest sequence
   * @param seed initialisation seed
   * @return the model
   */
  public static LanguageModel createPreset(
      NDManager manager, String arch, String preset, int vocabulary, int context, long seed) {
    return GptModel.create(
        manager, ModelPresets.architecture(arch, preset, context, 0, 0, 0, vocabulary), seed);
  }
}
