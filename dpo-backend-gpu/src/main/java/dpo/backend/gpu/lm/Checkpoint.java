package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dpo.api.BadDataException;
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

  /** Files copied along with the weights so that a saved folder is self-contained. */
  static final List<String> COMPANIONS =
      List.of(
          "tokenizer.json",
          "tokenizer_config.json",
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
      } else if (!extras.contains(name) && !ignorable(plain)) {
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
      return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new BadDataException(file, 0, null, "cannot read: " + e.getMessage());
    } catch (JsonParseException | IllegalStateException e) {
      throw new BadDataException(
          file,
          0,
          null,
          "not a JSON object (" + e.getMessage() + "); restore the checkpoint's file");
    }
  }
}
