package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDManager;
import dpo.api.ConfigurationException;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LanguageModel;
import dpo.backend.gpu.safetensors.SafeTensors;
import dpo.backend.gpu.text.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Hugging Face checkpoint folders for the {@code dpo lm} commands: what a folder holds (read from
 * its JSON files and safetensors headers only), and scoring and generation with its tokenizer.
 */
public final class Checkpoints {
  private Checkpoints() {}

  /**
   * A folder's architecture, size, dtype, context, tokenizer and special tokens, read without
   * loading any weight.
   *
   * @param directory the checkpoint folder
   * @return fields in display order
   */
  public static Map<String, Object> info(Path directory) {
    Checkpoint c = Checkpoint.open(directory);
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

  /** A loaded model with its folder's tokenizer. */
  public static final class Folder implements AutoCloseable {
    private final GptModel model;
    private final HfTokenizer tokenizer;
    private final Path directory;

    private Folder(GptModel model, HfTokenizer tokenizer, Path directory) {
      this.model = model;
      this.tokenizer = tokenizer;
      this.directory = directory;
    }

    /**
     * Loads a folder's model and tokenizer.
     *
     * @param manager the backend's manager
     * @param directory the folder
     * @return the folder
     */
    public static Folder load(NDManager manager, Path directory) {
      HfTokenizer tokenizer = HfTokenizer.load(directory);
      GptModel model = GptModel.load(manager, directory);
      if (tokenizer.vocabularySize() > model.config().vocabularySize()) {
        model.close();
        throw new dpo.api.BadDataException(
            directory.resolve("tokenizer.json"),
            0,
            null,
            "the tokenizer has "
                + tokenizer.vocabularySize()
                + " tokens, the model's vocabulary "
                + model.config().vocabularySize()
                + "; the files belong to different models");
      }
      return new Folder(model, tokenizer, directory);
    }

    /**
     * The model.
     *
     * @return it
     */
    public LanguageModel model() {
      return model;
    }

    /**
     * The tokenizer.
     *
     * @return it
     */
    public HfTokenizer tokenizer() {
      return tokenizer;
    }

    /**
     * Sum of the response tokens' log-probabilities given the prompt: the prompt encoded with the
     * tokenizer's special tokens, the response without, no end token added.
     *
     * @param prompts prompt texts
     * @param responses response texts
     * @return per pair {log-probability, response token count}
     */
    public List<double[]> score(List<String> prompts, List<String> responses) {
      List<int[]> p = new ArrayList<>();
      List<int[]> r = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) {
        int[] prompt = tokenizer.encodePrompt(prompts.get(i));
        if (prompt.length == 0) {
          throw new ConfigurationException(
              "input",
              "row "
                  + (i + 1)
                  + ": the prompt encodes to"
                  + " no token and the tokenizer adds no BOS; a response needs a token before it");
        }
        p.add(prompt);
        r.add(tokenizer.encode(responses.get(i)));
      }
      double[] logps = model.sequenceLogProbs(p, r);
      List<double[]> out = new ArrayList<>();
      for (int i = 0; i < logps.length; i++) {
        out.add(new double[] {logps[i], r.get(i).length});
      }
      return out;
    }

    /**
     * Generation defaults of the folder's {@code generation_config.json}: {@code do_sample}, {@code
     * temperature}, {@code top_k}, {@code top_p}, {@code max_new_tokens}, where present.
     *
     * @return the keys present, as numbers or booleans
     */
    public Map<String, Object> generationDefaults() {
      Map<String, Object> out = new LinkedHashMap<>();
      com.google.gson.JsonObject o =
          Checkpoint.readJson(directory.resolve("generation_config.json"), false);
      if (o == null) {
        return out;
      }
      for (String key : List.of("do_sample", "temperature", "top_k", "top_p", "max_new_tokens")) {
        if (o.has(key) && o.get(key).isJsonPrimitive()) {
          var p = o.getAsJsonPrimitive(key);
          out.put(key, p.isBoolean() ? (Object) p.getAsBoolean() : p.getAsNumber());
        }
      }
      return out;
    }

    @Override
    public void close() {
      model.close();
    }
  }

  /**
   * Generates completions of prompts from a logit mixture of folders (their tokenizers must agree
   * on the prompts' ids); prompts get the first folder's special tokens.
   *
   * @param manager the backend's manager
   * @param folders the models, the first one's tokenizer encodes and decodes
   * @param weights mixing weights, one per folder
   * @param prompts prompt texts
   * @param config sampling settings; its end token is the tokenizer's
   * @return completion texts
   */
  public static List<String> generate(
      NDManager manager,
      List<Folder> folders,
      double[] weights,
      List<String> prompts,
      GenerationConfig config) {
    HfTokenizer tokenizer = folders.get(0).tokenizer();
    List<int[]> ids = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      int[] p = tokenizer.encodePrompt(prompts.get(i));
      for (Folder other : folders.subList(1, folders.size())) {
        if (!java.util.Arrays.equals(p, other.tokenizer().encodePrompt(prompts.get(i)))) {
          throw new ConfigurationException(
              "reference",
              "prompt "
                  + (i + 1)
                  + " encodes"
                  + " differently with the reference's tokenizer; mixed models need one tokenizer");
        }
      }
      ids.add(p);
    }
    List<GptModel> models = new ArrayList<>();
    for (Folder f : folders) {
      models.add(f.model);
    }
    List<int[]> out = new Generator(models, weights, config, true).generate(manager, ids);
    List<String> texts = new ArrayList<>();
    for (int[] o : out) {
      texts.add(tokenizer.decode(o));
    }
    return texts;
  }

  /**
   * Rewrites a checkpoint folder in another format: the weights in float32 or bfloat16, in one file
   * or in shards with {@code model.safetensors.index.json}, with config.json, the tokenizer and
   * generation files, and a {@code tokenizer_config.json} if the source had none. The source is
   * loaded and validated first, as any {@code --model}; the target is written as {@link
   * LanguageModel#save} writes.
   *
   * @param manager the backend's manager
   * @param source the checkpoint folder to read
   * @param target the folder to write; a new folder is published whole
   * @param format the weights' dtype and largest shard
   */
  public static void convert(NDManager manager, Path source, Path target, CheckpointFormat format) {
    try (GptModel model = GptModel.load(manager, source)) {
      model.save(target, format);
    }
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
