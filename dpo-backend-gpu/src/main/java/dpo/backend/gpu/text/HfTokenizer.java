package dpo.backend.gpu.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dpo.api.BadDataException;
import dpo.api.lm.Tokenizer;
import dpo.backend.gpu.JsonFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A Hugging Face {@code tokenizer.json} (any model type: BPE, WordPiece, WordLevel, Unigram),
 * loaded from disk only, with the special tokens of {@code tokenizer_config.json}. The
 * end-of-sequence token is {@code eos_token_id} of the folder's {@code config.json} when present,
 * else {@code tokenizer_config.json}'s {@code eos_token}, else the first added token named like
 * one. {@link #encode} adds no special tokens (responses); {@link #encodePrompt} adds them as the
 * tokenizer does: {@code add_bos_token} / {@code add_eos_token} of tokenizer_config.json when set,
 * else tokenizer.json's post-processor (a Llama tokenizer prepends BOS).
 */
public final class HfTokenizer implements Tokenizer {
  static final String FILE = "tokenizer.json";
  private static final List<String> END_NAMES = List.of("<|endoftext|>", "</s>", "<eos>", "[SEP]");

  static final String CONFIG_FILE = "tokenizer_config.json";

  private final HuggingFaceTokenizer tokenizer;
  private final int vocabularySize;
  private final int endOfSequence;
  private final int beginOfSequence;
  private final int padding;
  private final int unknown;

  /** add_bos_token and add_eos_token of tokenizer_config.json; null: the post-processor decides. */
  private final Boolean addBos;

  private final boolean addEos;

  /** The other end tokens of config.json's and generation_config.json's eos_token_id lists. */
  private final int[] alsoEnding;

  private HfTokenizer(
      HuggingFaceTokenizer tokenizer,
      int vocabularySize,
      int endOfSequence,
      int beginOfSequence,
      int padding,
      int unknown,
      Boolean addBos,
      boolean addEos,
      int[] alsoEnding) {
    this.tokenizer = tokenizer;
    this.alsoEnding = alsoEnding;
    this.vocabularySize = vocabularySize;
    this.endOfSequence = endOfSequence;
    this.beginOfSequence = beginOfSequence;
    this.padding = padding;
    this.unknown = unknown;
    this.addBos = addBos;
    this.addEos = addEos;
  }

  /**
   * Loads the tokenizer of a checkpoint folder.
   *
   * @param directory folder with {@code tokenizer.json}
   * @return the tokenizer
   * @throws BadDataException if the file is missing or malformed
   */
  public static HfTokenizer load(Path directory) {
    if (!Files.isDirectory(directory)) {
      throw new BadDataException(
          directory,
          0,
          null,
          (Files.exists(directory) ? "not a folder" : "no such folder")
              + "; give the checkpoint or tokenizer folder that holds tokenizer.json");
    }
    Path file = directory.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new BadDataException(
          file, 0, null, "missing; put the model's tokenizer.json here" + " (Hugging Face format)");
    }
    JsonObject json = JsonFiles.readObject(file);
    int size = vocabularySize(file, json);
    HuggingFaceTokenizer tokenizer;
    try {
      // Whole sequences, neither cut nor padded: the model code decides lengths and padding (DJL
      // would otherwise cut at a guessed model_max_length and warn that it guessed).
      tokenizer =
          HuggingFaceTokenizer.newInstance(
              file, Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
    } catch (IOException | RuntimeException e) {
      throw new BadDataException(
          file, 0, null, "the tokenizers library rejects it: " + e.getMessage());
    }
    JsonObject config = tokenizerConfig(directory);
    Map<String, Integer> ids = tokenIds(json);
    int bos = specialToken(directory, config, ids, "bos_token");
    int pad = specialToken(directory, config, ids, "pad_token");
    int unk = specialToken(directory, config, ids, "unk_token");
    if (unk < 0
        && json.has("model")
        && json.get("model").isJsonObject()
        && json.getAsJsonObject("model").has("unk_token")
        && json.getAsJsonObject("model").get("unk_token").isJsonPrimitive()) {
      unk = ids.getOrDefault(json.getAsJsonObject("model").get("unk_token").getAsString(), -1);
    }
    JsonArray configEnds = eosTokenIds(directory.resolve("config.json"));
    int eos = endOfSequence(directory, json, file, config, ids, configEnds);
    Boolean addBos = null;
    boolean addEos = false;
    if (config != null) {
      Path c = directory.resolve(CONFIG_FILE);
      if (config.has("add_bos_token") && !config.get("add_bos_token").isJsonNull()) {
        addBos = flag(c, config, "add_bos_token");
        if (addBos && bos < 0) {
          throw new BadDataException(
              c,
              0,
              "add_bos_token",
              "add_bos_token is true but no"
                  + " bos_token is set; add bos_token or set add_bos_token to false");
        }
      }
      if (config.has("add_eos_token") && !config.get("add_eos_token").isJsonNull()) {
        addEos = flag(c, config, "add_eos_token");
        addBos = addBos == null ? Boolean.FALSE : addBos;
      }
    }
    return new HfTokenizer(
        tokenizer,
        size,
        eos,
        bos,
        pad,
        unk,
        addBos,
        addEos,
        otherEnds(directory, configEnds, eos, size));
  }

  private static boolean flag(Path file, JsonObject o, String key) {
    JsonElement e = o.get(key);
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) {
      return e.getAsBoolean();
    }
    throw new BadDataException(file, 0, key, key + " must be true or false, got " + e);
  }

  private static JsonObject tokenizerConfig(Path directory) {
    Path file = directory.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(file)) {
      return null;
    }
    return JsonFiles.readObject(file);
  }

  /** Token text to id: the model's vocabulary (when a map) and the added tokens. */
  private static Map<String, Integer> tokenIds(JsonObject json) {
    Map<String, Integer> ids = new java.util.HashMap<>();
    JsonObject model =
        json.has("model") && json.get("model").isJsonObject()
            ? json.getAsJsonObject("model")
            : null;
    if (model != null && model.has("vocab") && model.get("vocab").isJsonObject()) {
      for (Map.Entry<String, JsonElement> e : model.getAsJsonObject("vocab").entrySet()) {
        ids.put(e.getKey(), e.getValue().getAsInt());
      }
    }
    if (json.has("added_tokens")) {
      for (JsonElement t : json.getAsJsonArray("added_tokens")) {
        JsonObject o = t.getAsJsonObject();
        ids.put(o.get("content").getAsString(), o.get("id").getAsInt());
      }
    }
    return ids;
  }

  /** The id of tokenizer_config.json's {@code key} (a string or {"content": ...}); -1 if unset. */
  private static int specialToken(
      Path directory, JsonObject config, Map<String, Integer> ids, String key) {
    if (config == null || !config.has(key) || config.get(key).isJsonNull()) {
      return -1;
    }
    JsonElement e = config.get(key);
    String content =
        e.isJsonObject() && e.getAsJsonObject().has("content")
            ? e.getAsJsonObject().get("content").getAsString()
            : e.isJsonPrimitive() ? e.getAsString() : null;
    Integer id = content == null ? null : ids.get(content);
    if (id == null) {
      throw new BadDataException(
          directory.resolve(CONFIG_FILE),
          0,
          key,
          key + " " + e + " is not a token of tokenizer.json; fix " + key + " or the tokenizer");
    }
    return id;
  }

  /**
   * Largest token id accepted: the embedding of a vocabulary past it would not fit one array of
   * 2^31 - 9 elements even with a model width of 1, and the vocabulary's size (largest id + 1)
   * stays an int.
   */
  static final int MAX_ID = Integer.MAX_VALUE - 9;

  private static int vocabularySize(Path file, JsonObject json) {
    int max = -1;
    JsonObject model = json.getAsJsonObject("model");
    if (model != null && model.has("vocab") && model.get("vocab").isJsonObject()) {
      for (Map.Entry<String, JsonElement> e : model.getAsJsonObject("vocab").entrySet()) {
        max = Math.max(max, id(file, "model.vocab", e.getKey(), e.getValue()));
      }
    } else if (model != null && model.has("vocab") && model.get("vocab").isJsonArray()) {
      max = model.getAsJsonArray("vocab").size() - 1; // Unigram: [piece, score] pairs
    }
    if (json.has("added_tokens")) {
      for (JsonElement t : json.getAsJsonArray("added_tokens")) {
        JsonObject o = t.getAsJsonObject();
        JsonElement content = o.get("content");
        max =
            Math.max(
                max,
                id(
                    file,
                    "added_tokens",
                    content != null && content.isJsonPrimitive() ? content.getAsString() : null,
                    o.get("id")));
      }
    }
    return max + 1;
  }

  /** A token id as written: one to ten digits (compiled once: a vocabulary has 10^5 of them). */
  private static final Pattern DIGITS = Pattern.compile("\\d{1,10}");

  /** A token's id: a whole number from 0 to {@link #MAX_ID}. */
  private static int id(Path file, String field, String token, JsonElement id) {
    if (id != null
        && id.isJsonPrimitive()
        && id.getAsJsonPrimitive().isNumber()
        && DIGITS.matcher(id.getAsString()).matches()
        && Long.parseLong(id.getAsString()) <= MAX_ID) {
      return Integer.parseInt(id.getAsString());
    }
    throw new BadDataException(
        file,
        0,
        field,
        "token "
            + (token == null ? "" : new com.google.gson.JsonPrimitive(token) + " ")
            + "has id "
            + id
            + ", not a whole number from 0 to "
            + MAX_ID
            + "; fix the token's id");
  }

  /**
   * The end tokens that config.json and generation_config.json name besides {@code eos}: {@code
   * eos_token_id} may be a list (Llama 3's instruct models list three) and the two files may differ
   * (Qwen2.5's instruct models), and transformers stops a generation at any of them.
   */
  private static int[] otherEnds(Path directory, JsonArray configEnds, int eos, int size) {
    TreeSet<Integer> ends = new TreeSet<>();
    Path generation = directory.resolve("generation_config.json");
    Map<Path, JsonArray> named = new LinkedHashMap<>();
    named.put(directory.resolve("config.json"), configEnds);
    named.put(generation, eosTokenIds(generation));
    for (Map.Entry<Path, JsonArray> file : named.entrySet()) {
      if (file.getValue() == null) {
        continue;
      }
      for (JsonElement id : file.getValue()) {
        int value;
        try {
          value = id.getAsInt();
        } catch (RuntimeException e) {
          value = -1;
        }
        if (value < 0 || value >= size || value != id.getAsDouble()) {
          throw new BadDataException(
              file.getKey(),
              0,
              "eos_token_id",
              "eos_token_id lists "
                  + id
                  + ", which is not a token of the vocabulary of "
                  + size
                  + "; fix the list");
        }
        ends.add(value);
      }
    }
    ends.remove(eos);
    return ends.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * A file's {@code eos_token_id} as a list (a number is a list of one; absent or null, an empty
   * list), or null when the file is absent.
   *
   * @throws BadDataException if the file is not a JSON object
   */
  private static JsonArray eosTokenIds(Path file) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    JsonElement ids = JsonFiles.readObject(file).get("eos_token_id");
    if (ids != null && ids.isJsonArray()) {
      return ids.getAsJsonArray();
    }
    JsonArray list = new JsonArray();
    if (ids != null && ids.isJsonPrimitive()) {
      list.add(ids);
    }
    return list;
  }

  private static int endOfSequence(
      Path directory,
      JsonObject json,
      Path file,
      JsonObject tokenizerConfig,
      Map<String, Integer> ids,
      JsonArray configEnds) {
    int fromTokenizer = specialToken(directory, tokenizerConfig, ids, "eos_token");
    if (configEnds != null && !configEnds.isEmpty()) {
      try {
        return configEnds.get(0).getAsInt();
      } catch (RuntimeException e) {
        // a bad config.json is reported by the model loader; fall back to the added tokens
      }
    }
    if (fromTokenizer >= 0) {
      return fromTokenizer;
    }
    if (json.has("added_tokens")) {
      for (String name : END_NAMES) {
        for (JsonElement t : json.getAsJsonArray("added_tokens")) {
          JsonObject o = t.getAsJsonObject();
          if (name.equals(o.get("content").getAsString())) {
            return o.get("id").getAsInt();
          }
        }
      }
    }
    throw new BadDataException(
        file,
        0,
        "added_tokens",
        "no end-of-sequence token: add"
            + " eos_token_id to config.json or an added token named one of "
            + END_NAMES);
  }

  @Override
  public int[] encode(String text) {
    long[] ids = tokenizer.encode(text, false, false).getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  /**
   * Token ids of a prompt with the tokenizer's special tokens, as {@code transformers} encodes it
   * by default: {@code add_bos_token} / {@code add_eos_token} of tokenizer_config.json when set,
   * else tokenizer.json's post-processor.
   *
   * @param text the prompt
   * @return its ids
   */
  public int[] encodePrompt(String text) {
    if (addBos == null) {
      return toInts(tokenizer.encode(text, true, false).getIds());
    }
    int[] body = encode(text);
    int[] out = new int[body.length + (addBos ? 1 : 0) + (addEos ? 1 : 0)];
    if (addBos) {
      out[0] = beginOfSequence;
    }
    System.arraycopy(body, 0, out, addBos ? 1 : 0, body.length);
    if (addEos) {
      out[out.length - 1] = endOfSequence;
    }
    return out;
  }

  private static int[] toInts(long[] ids) {
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  /**
   * The beginning-of-sequence token of tokenizer_config.json.
   *
   * @return its id, or -1 if none
   */
  @Override
  public int beginOfSequence() {
    return beginOfSequence;
  }

  /**
   * The padding token of tokenizer_config.json.
   *
   * @return its id, or -1 if none
   */
  @Override
  public int padding() {
    return padding;
  }

  /**
   * The token text of an id.
   *
   * @param id the id
   * @return its text, or null if none
   */
  public String token(int id) {
    return id < 0 ? null : tokenizer.decode(new long[] {id}, false);
  }

  /**
   * The padding and unknown tokens of tokenizer_config.json (the unknown token also from
   * tokenizer.json's model), those that are set and are not the end-of-sequence token.
   *
   * @return their ids
   */
  @Override
  public int[] neverGenerated() {
    return java.util.stream.IntStream.of(padding, unknown)
        .filter(id -> id >= 0 && id != endOfSequence)
        .distinct()
        .toArray();
  }

  /**
   * The text of token ids as the tokenizers library decodes it with {@code skip_special_tokens}:
   * every special token (bos, eos, padding, unknown and added special tokens) is left out.
   */
  @Override
  public String decode(int[] tokens) {
    long[] ids = new long[tokens.length];
    for (int i = 0; i < tokens.length; i++) {
      ids[i] = tokens[i];
    }
    return tokenizer.decode(ids, true);
  }

  @Override
  public int vocabularySize() {
    return vocabularySize;
  }

  @Override
  public int endOfSequence() {
    return endOfSequence;
  }

  @Override
  public int[] alsoEnding() {
    return alsoEnding.clone();
  }
}
