package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dpo.api.BadDataException;
import dpo.api.io.DurableFiles;
import dpo.backend.gpu.JsonFiles;
import dpo.backend.gpu.safetensors.SafeTensors;
import dpo.backend.gpu.safetensors.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face checkpoint folder: {@code config.json}, the weights in {@code model.safetensors}
 * or in shards listed by {@code model.safetensors.index.json}, and the tokenizer and generation
 * files. Opening reads only JSON and safetensors headers; {@link #load} checks every tensor's name
 * and shape against the config before a single weight is allocated, then reads the weights one
 * tensor at a time, refusing NaN or infinite values.
 */
final class Checkpoint {
  static final String INDEX_FILE = "model.safetensors.index.json";

  private static final String TOKENIZER = "tokenizer.json";
  private static final String TOKENIZER_CONFIG = "tokenizer_config.json";

  /** Shard file names as Hugging Face writes them: model-00001-of-00003.safetensors. */
  static final String SHARD_FILE = "model-%05d-of-%05d.safetensors";

  private static final java.util.regex.Pattern SHARD_NAME =
      java.util.regex.Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");

  private static final Map<String, String> WEIGHTS_METADATA =
      Map.of("format", "pt", "written_by", "dpo djl backend");

  /** Files copied along with the weights so that a saved folder is self-contained. */
  static final List<String> COMPANIONS =
      List.of(
          TOKENIZER,
          TOKENIZER_CONFIG,
          "special_tokens_map.json",
          "generation_config.json",
          "tokenizer.model");

  private static final long MAX_COMPANION_BYTES = 64L << 20;

  private final Path directory;
  private final GptArchitecture architecture;
  private final JsonObject config;
  private final Map<String, SafeTensors.Entry> entries;

  private Checkpoint(
      Path directory,
      GptArchitecture architecture,
      JsonObject config,
      Map<String, SafeTensors.Entry> entries) {
    this.directory = directory;
    this.architecture = architecture;
    this.config = config;
    this.entries = entries;
  }

  GptArchitecture architecture() {
    return architecture;
  }

  JsonObject config() {
    return config;
  }

  Map<String, SafeTensors.Entry> entries() {
    return entries;
  }

  /** Reads the folder's config and safetensors headers; allocates no weights. */
  static Checkpoint open(Path directory) {
    Path configFile = directory.resolve(GptModel.CONFIG_FILE);
    if (!Files.isDirectory(directory)) {
      throw new BadDataException(
          directory,
          0,
          null,
          "not a checkpoint directory; expected a"
              + " folder with "
              + GptModel.CONFIG_FILE
              + " and "
              + GptModel.WEIGHTS_FILE
              + " (or its shards with "
              + INDEX_FILE
              + ")");
    }
    JsonObject config = readJson(configFile, true);
    GptArchitecture architecture = GptArchitecture.fromConfigJson(configFile, config);
    return new Checkpoint(directory, architecture, config, weightEntries(directory));
  }

  private static Map<String, SafeTensors.Entry> weightEntries(Path directory) {
    Path index = directory.resolve(INDEX_FILE);
    Map<String, SafeTensors.Entry> entries = new LinkedHashMap<>();
    if (!Files.isRegularFile(index)) {
      Path single = directory.resolve(GptModel.WEIGHTS_FILE);
      if (!Files.isRegularFile(single)) {
        throw new BadDataException(
            single,
            0,
            null,
            "missing; a checkpoint folder needs "
                + GptModel.WEIGHTS_FILE
                + " or "
                + INDEX_FILE
                + " with its shards");
      }
      for (SafeTensors.Entry e : SafeTensors.header(single)) {
        entries.put(e.name(), e);
      }
      return entries;
    }
    JsonObject json = readJson(index, true);
    if (!json.has("weight_map") || !json.get("weight_map").isJsonObject()) {
      throw new BadDataException(
          index,
          0,
          "weight_map",
          "missing weight_map; the index maps" + " each tensor name to its shard file");
    }
    Map<String, String> shardOf = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : json.getAsJsonObject("weight_map").entrySet()) {
      String shard = e.getValue().isJsonPrimitive() ? e.getValue().getAsString() : "";
      if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.startsWith(".")) {
        throw new BadDataException(
            index,
            0,
            e.getKey(),
            "shard '" + e.getValue() + "' must be a file name in the checkpoint folder");
      }
      shardOf.put(e.getKey(), shard);
    }
    Map<String, Map<String, SafeTensors.Entry>> shards = new LinkedHashMap<>();
    for (String shard : new java.util.LinkedHashSet<>(shardOf.values())) {
      Path file = directory.resolve(shard);
      if (!Files.isRegularFile(file)) {
        throw new BadDataException(
            file, 0, null, "missing; " + INDEX_FILE + " lists it as a" + " shard");
      }
      Map<String, SafeTensors.Entry> inShard = new LinkedHashMap<>();
      for (SafeTensors.Entry e : SafeTensors.header(file)) {
        if (!shardOf.containsKey(e.name())) {
          throw new BadDataException(
              file,
              0,
              e.name(),
              "tensor "
                  + e.name()
                  + " is not in "
                  + INDEX_FILE
                  + "'s weight_map; the index and the shards disagree");
        }
        inShard.put(e.name(), e);
      }
      shards.put(shard, inShard);
    }
    for (Map.Entry<String, String> e : shardOf.entrySet()) {
      SafeTensors.Entry entry = shards.get(e.getValue()).get(e.getKey());
      if (entry == null) {
        throw new BadDataException(
            directory.resolve(e.getValue()),
            0,
            e.getKey(),
            "tensor "
                + e.getKey()
                + " is missing from this shard, where "
                + INDEX_FILE
                + " puts it");
      }
      entries.put(e.getKey(), entry);
    }
    return entries;
  }

  /** A loaded model plus the extra tensors the caller asked for. */
  record Loaded(GptModel model, Map<String, Tensor> extras) {}

  /**
   * Checks every tensor against the config, then loads the model. Tensors the config does not use
   * are refused, except GPT-2's attention-mask buffers, Llama's cached rotary frequencies, an
   * {@code lm_head.weight} of a tied model, and {@code extras}, which are returned.
   */
  Loaded load(NDManager parent, Set<String> extras) {
    Map<String, String> fileNames = checkTensors(extras, true);
    Map<String, Tensor> extraTensors = new LinkedHashMap<>();
    for (String name : extras) {
      if (entries.containsKey(name)) {
        extraTensors.put(name, readFinite(entries.get(name)));
      }
    }
    GptModel model =
        GptModel.fromTensors(
            parent,
            architecture,
            name ->
                fileNames.containsKey(name) ? readFinite(entries.get(fileNames.get(name))) : null,
            weightsFile(),
            companions(directory));
    return new Loaded(model, extraTensors);
  }

  /**
   * Checks the tensors' headers against the config, reading no data: every tensor the config
   * implies is present with its shape and, with {@code refuseUnused}, every other tensor is one the
   * loader ignores or one of {@code extras}.
   *
   * @return the config's tensor names and the names they have in the files
   */
  Map<String, String> checkTensors(Set<String> extras, boolean refuseUnused) {
    Map<String, long[]> layout = checkedLayout();
    Map<String, String> fileNames = new LinkedHashMap<>();
    for (Map.Entry<String, SafeTensors.Entry> e : entries.entrySet()) {
      String name = e.getKey();
      String plain =
          architecture.isGpt2() && name.startsWith("transformer.")
              ? name.substring("transformer.".length())
              : name;
      SafeTensors.Entry entry = e.getValue();
      long[] expected = layout.get(plain);
      if (expected != null) {
        if (!Arrays.equals(expected, entry.shape())) {
          throw bad(
              entry,
              "tensor "
                  + name
                  + " has shape "
                  + Arrays.toString(entry.shape())
                  + ", config.json implies "
                  + Arrays.toString(expected));
        }
        fileNames.put(plain, name);
      } else if (refuseUnused && !extras.contains(name) && !ignorable(plain)) {
        throw bad(
            entry,
            "tensor "
                + name
                + " (shape "
                + Arrays.toString(entry.shape())
                + ") is not used by config.json's "
                + architecture.modelType()
                + " model of "
                + architecture.model().layers()
                + " layers; config.json and the weights disagree");
      }
    }
    for (String name : layout.keySet()) {
      if (!fileNames.containsKey(name)) {
        throw new BadDataException(
            weightsFile(),
            0,
            name,
            "missing tensor "
                + name
                + "; config.json's "
                + architecture.modelType()
                + " model needs it");
      }
    }
    return fileNames;
  }

  /**
   * The config's tensor layout, after checking that its size is plausible for the weights: a config
   * with more layers than the files have tensors fails naming the first missing one, without
   * building a layout of that size.
   */
  private Map<String, long[]> checkedLayout() {
    int layers = architecture.model().layers();
    String probe =
        architecture.isGpt2() ? "h.%d.ln_1.weight" : "model.layers.%d.input_layernorm" + ".weight";
    if (layers > entries.size()) {
      for (int l = 0; l <= entries.size(); l++) {
        String name = String.format(probe, l);
        if (!entries.containsKey(name) && !entries.containsKey("transformer." + name)) {
          throw new BadDataException(
              weightsFile(),
              0,
              name,
              "missing tensor "
                  + name
                  + "; config.json declares "
                  + layers
                  + " layers, the weights hold "
                  + l);
        }
      }
    }
    for (Map.Entry<String, long[]> e : GptModel.layout(architecture).entrySet()) {
      long elements = 1;
      try {
        for (long d : e.getValue()) {
          elements = Math.multiplyExact(elements, d);
        }
      } catch (ArithmeticException ex) {
        elements = Long.MAX_VALUE;
      }
      if (elements > Integer.MAX_VALUE - 8) {
        throw new BadDataException(
            directory.resolve(GptModel.CONFIG_FILE),
            0,
            e.getKey(),
            "config.json implies "
                + Arrays.toString(e.getValue())
                + " for "
                + e.getKey()
                + ", past the 2^31 - 9 elements one array of this backend holds");
      }
    }
    return GptModel.layout(architecture);
  }

  private boolean ignorable(String name) {
    if (architecture.isGpt2()) {
      return name.endsWith(".attn.bias")
          || name.endsWith(".attn.masked_bias")
          || name.equals("lm_head.weight");
    }
    return name.endsWith("rotary_emb.inv_freq")
        || (architecture.tieWordEmbeddings() && name.equals("lm_head.weight"));
  }

  private static Tensor readFinite(SafeTensors.Entry entry) {
    Tensor t = SafeTensors.read(entry);
    float[] data = t.data();
    for (int i = 0; i < data.length; i++) {
      if (!Float.isFinite(data[i])) {
        throw bad(
            entry,
            "tensor "
                + entry.name()
                + " holds "
                + data[i]
                + " at element "
                + i
                + "; the weights are corrupt (a diverged run?)");
      }
    }
    return t;
  }

  private Path weightsFile() {
    Path index = directory.resolve(INDEX_FILE);
    return Files.isRegularFile(index) ? index : directory.resolve(GptModel.WEIGHTS_FILE);
  }

  /** The tokenizer and generation files of a folder ({@link #COMPANIONS}), by name. */
  static Map<String, byte[]> companions(Path directory) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (String name : COMPANIONS) {
      Path file = directory.resolve(name);
      try {
        if (Files.isRegularFile(file)) {
          if (Files.size(file) > MAX_COMPANION_BYTES) {
            throw new BadDataException(
                file,
                0,
                null,
                "larger than "
                    + (MAX_COMPANION_BYTES >> 20)
                    + " MiB; not a tokenizer or generation file");
          }
          out.put(name, Files.readAllBytes(file));
        }
      } catch (IOException e) {
        throw new BadDataException(file, 0, null, "cannot read: " + e.getMessage());
      }
    }
    return out;
  }

  /**
   * Writes a checkpoint folder: {@code config.json} (with the format's {@code torch_dtype}), the
   * weights in one file or in shards with their index, the tokenizer and generation files given,
   * and a {@code tokenizer_config.json} derived from {@code tokenizer.json} and the config's
   * special token ids when the files given have none, so that {@code transformers}' {@code
   * AutoTokenizer} loads the folder with the same special tokens. A new folder is staged and
   * published whole. In an existing folder each file is replaced durably; the weights of the other
   * layout (a single file, an index, shards beyond the new count) are removed after the new ones
   * are in place, and nothing else in the folder is touched (it may hold provenance or a user's
   * files).
   *
   * @param directory the folder
   * @param config the model's config.json
   * @param tensors the weights by Hugging Face name, in the order they are written
   * @param companions tokenizer and generation files by name
   * @param format dtype and largest shard
   */
  static void write(
      Path directory,
      JsonObject config,
      Map<String, Tensor> tensors,
      Map<String, byte[]> companions,
      CheckpointFormat format) {
    Path absolute = directory.toAbsolutePath();
    boolean fresh = !Files.exists(absolute);
    Path into = fresh ? DurableFiles.stagingFolder(absolute) : absolute;
    JsonObject json = config.deepCopy();
    json.addProperty("torch_dtype", format.torchDtype());
    DurableFiles.write(into.resolve(GptModel.CONFIG_FILE), json(json));
    Map<String, byte[]> files = new LinkedHashMap<>(companions);
    if (files.containsKey(TOKENIZER) && !files.containsKey(TOKENIZER_CONFIG)) {
      files.put(TOKENIZER_CONFIG, tokenizerConfig(files.get(TOKENIZER), json));
    } else if (files.containsKey(TOKENIZER_CONFIG)) {
      files.put(TOKENIZER_CONFIG, withinContext(files.get(TOKENIZER_CONFIG), json));
    }
    for (Map.Entry<String, byte[]> c : files.entrySet()) {
      DurableFiles.write(into.resolve(c.getKey()), c.getValue());
    }
    List<Map<String, Tensor>> shards = shards(tensors, format);
    Set<String> written = new java.util.HashSet<>();
    if (shards.size() == 1) {
      SafeTensors.write(
          into.resolve(GptModel.WEIGHTS_FILE), tensors, WEIGHTS_METADATA, format.dtype());
      written.add(GptModel.WEIGHTS_FILE);
      removeStale(into, INDEX_FILE);
    } else {
      JsonObject weightMap = new JsonObject();
      long total = 0;
      for (int i = 0; i < shards.size(); i++) {
        String name = String.format(SHARD_FILE, i + 1, shards.size());
        SafeTensors.write(into.resolve(name), shards.get(i), WEIGHTS_METADATA, format.dtype());
        written.add(name);
        for (Map.Entry<String, Tensor> e : shards.get(i).entrySet()) {
          weightMap.addProperty(e.getKey(), name);
          total += (long) format.dtype().bytes() * e.getValue().data().length;
        }
      }
      JsonObject index = new JsonObject();
      JsonObject metadata = new JsonObject();
      metadata.addProperty("total_size", total);
      index.add("metadata", metadata);
      index.add("weight_map", weightMap);
      DurableFiles.write(into.resolve(INDEX_FILE), json(index));
      removeStale(into, GptModel.WEIGHTS_FILE);
    }
    if (fresh) {
      DurableFiles.publishFolder(into, absolute);
    } else {
      try (java.util.stream.Stream<Path> list = Files.list(into)) {
        for (Path old : list.toList()) {
          String name = old.getFileName().toString();
          if (SHARD_NAME.matcher(name).matches() && !written.contains(name)) {
            removeStale(into, name);
          }
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("cannot list " + into, e);
      }
    }
  }

  /**
   * Splits the tensors, in order, into shards of at most {@code maxShardBytes} each, as {@code
   * transformers} does: a tensor that does not fit in the current shard starts the next one, and a
   * tensor larger than the limit has a shard to itself.
   */
  static List<Map<String, Tensor>> shards(Map<String, Tensor> tensors, CheckpointFormat format) {
    List<Map<String, Tensor>> shards = new java.util.ArrayList<>();
    Map<String, Tensor> current = new LinkedHashMap<>();
    long size = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      long bytes = (long) format.dtype().bytes() * e.getValue().data().length;
      if (!current.isEmpty() && bytes > format.maxShardBytes() - size) {
        shards.add(current);
        current = new LinkedHashMap<>();
        size = 0;
      }
      current.put(e.getKey(), e.getValue());
      size += bytes;
    }
    shards.add(current);
    return shards;
  }

  private static void removeStale(Path directory, String name) {
    try {
      Files.deleteIfExists(directory.resolve(name));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(
          "cannot remove the old weights file " + directory.resolve(name), e);
    }
  }

  /**
   * A {@code tokenizer_config.json} whose {@code model_max_length} is at most the model's context
   * ({@code max_position_embeddings} or {@code n_positions}): a tokenizer trained for longer texts
   * (by {@code dpo tokenizer train}, say) then tells {@code transformers} how much this model
   * takes. Any other file is kept byte for byte, as is one that cannot be read as a JSON object (it
   * was read when the model was loaded).
   */
  private static byte[] withinContext(byte[] tokenizerConfig, JsonObject config) {
    long context = context(config);
    try {
      JsonObject t =
          JsonFiles.object(
              Path.of(TOKENIZER_CONFIG), new String(tokenizerConfig, StandardCharsets.UTF_8));
      JsonElement length = t.get("model_max_length");
      if (context <= 0
          || length == null
          || !length.isJsonPrimitive()
          || !length.getAsJsonPrimitive().isNumber()
          || length.getAsDouble() <= context) {
        return tokenizerConfig;
      }
      t.addProperty("model_max_length", context);
      return json(t);
    } catch (RuntimeException e) {
      return tokenizerConfig;
    }
  }

  /** The model's context from its config.json, or 0 if it states none. */
  private static long context(JsonObject config) {
    for (String key : List.of("max_position_embeddings", "n_positions")) {
      if (config.has(key) && config.get(key).isJsonPrimitive()) {
        return config.get(key).getAsLong();
      }
    }
    return 0;
  }

  /**
   * A {@code tokenizer_config.json} for a {@code tokenizer.json} that came without one: the generic
   * fast tokenizer class (which keeps tokenizer.json's own post-processor, so prompts are encoded
   * with the same special tokens as before), the context length, and the bos, eos and pad tokens
   * that config.json's token ids name.
   */
  static byte[] tokenizerConfig(byte[] tokenizerJson, JsonObject config) {
    Map<Integer, String> tokens = new java.util.HashMap<>();
    try {
      JsonObject t =
          JsonFiles.object(Path.of(TOKENIZER), new String(tokenizerJson, StandardCharsets.UTF_8));
      JsonElement model = t.get("model");
      if (model != null
          && model.isJsonObject()
          && model.getAsJsonObject().has("vocab")
          && model.getAsJsonObject().get("vocab").isJsonObject()) {
        for (Map.Entry<String, JsonElement> e :
            model.getAsJsonObject().getAsJsonObject("vocab").entrySet()) {
          tokens.put(e.getValue().getAsInt(), e.getKey());
        }
      }
      if (t.has("added_tokens") && t.get("added_tokens").isJsonArray()) {
        for (JsonElement added : t.getAsJsonArray("added_tokens")) {
          JsonObject o = added.getAsJsonObject();
          tokens.put(o.get("id").getAsInt(), o.get("content").getAsString());
        }
      }
    } catch (RuntimeException e) {
      // The tokenizer was read when the model was loaded; a file we cannot map names no tokens.
      tokens.clear();
    }
    JsonObject out = new JsonObject();
    out.addProperty("tokenizer_class", "PreTrainedTokenizerFast");
    long context = context(config);
    if (context > 0) {
      out.addProperty("model_max_length", context);
    }
    for (String special : List.of("bos", "eos", "pad")) {
      JsonElement id = config.get(special + "_token_id");
      if (id != null && id.isJsonPrimitive() && tokens.containsKey(id.getAsInt())) {
        out.addProperty(special + "_token", tokens.get(id.getAsInt()));
      }
    }
    out.addProperty("clean_up_tokenization_spaces", false);
    return json(out);
  }

  /**
   * A JSON file's bytes as Hugging Face writes them: indented, UTF-8, characters such as '<' and
   * '=' as they are (not as HTML escapes), nulls kept.
   *
   * @param json the document
   * @return UTF-8 bytes
   */
  static byte[] json(JsonElement json) {
    return new GsonBuilder()
        .setPrettyPrinting()
        .disableHtmlEscaping()
        .serializeNulls()
        .create()
        .toJson(json)
        .getBytes(StandardCharsets.UTF_8);
  }

  private static BadDataException bad(SafeTensors.Entry entry, String problem) {
    return new BadDataException(entry.file(), 0, entry.name(), problem);
  }

  static JsonObject readJson(Path file, boolean required) {
    if (!Files.isRegularFile(file)) {
      if (!required) {
        return null;
      }
      throw new BadDataException(
          file, 0, null, "missing; a Hugging Face checkpoint folder" + " has it");
    }
    try {
      if (Files.size(file) > MAX_COMPANION_BYTES) {
        throw new BadDataException(
            file,
            0,
            null,
            "larger than " + (MAX_COMPANION_BYTES >> 20) + " MiB; not a config file");
      }
    } catch (IOException e) {
      throw new BadDataException(file, 0, null, "cannot read: " + e.getMessage());
    }
    return JsonFiles.readObject(file);
  }
}
