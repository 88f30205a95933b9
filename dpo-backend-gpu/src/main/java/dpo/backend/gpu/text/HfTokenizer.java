package dpo.backend.gpu.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dpo.api.BadDataException;
import dpo.api.lm.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} (any model type: BPE, WordPiece, WordLevel, Unigram),
 * loaded from disk only. The end-of-sequence token is {@code eos_token_id} of the folder's
 * {@code config.json} when present, else the first added token named like one.
 */
public final class HfTokenizer implements Tokenizer {
  static final String FILE = "tokenizer.json";
  private static final List<String> END_NAMES = List.of("<|endoftext|>", "</s>", "<eos>", "[SEP]");

  private final HuggingFaceTokenizer tokenizer;
  private final int vocabularySize;
  private final int endOfSequence;

  private HfTokenizer(HuggingFaceTokenizer tokenizer, int vocabularySize, int endOfSequence) {
    this.tokenizer = tokenizer;
    this.vocabularySize = vocabularySize;
    this.endOfSequence = endOfSequence;
  }

  /**
   * Loads the tokenizer of a checkpoint folder.
   *
   * @param directory folder with {@code tokenizer.json}
   * @return the tokenizer
   * @throws BadDataException if the file is missing or malformed
   */
  public static HfTokenizer load(Path directory) {
    Path file = directory.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new BadDataException(file, 0, null, "missing; put the model's tokenizer.json here"
          + " (Hugging Face format)");
    }
    JsonObject json;
    try {
      json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException | RuntimeException e) {
      throw new BadDataException(file, 0, null, "not a readable tokenizer.json: " + e.getMessage());
    }
    HuggingFaceTokenizer tokenizer;
    try {
      tokenizer = HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "false"));
    } catch (IOException | RuntimeException e) {
      throw new BadDataException(file, 0, null, "the tokenizers library rejects it: "
          + e.getMessage());
    }
    int size = vocabularySize(json);
    return new HfTokenizer(tokenizer, size, endOfSequence(directory, json, file));
  }

  private static int vocabularySize(JsonObject json) {
    int max = -1;
    JsonObject model = json.getAsJsonObject("model");
    if (model != null && model.has("vocab") && model.get("vocab").isJsonObject()) {
      for (Map.Entry<String, JsonElement> e : model.getAsJsonObject("vocab").entrySet()) {
        max = Math.max(max, e.getValue().getAsInt());
      }
    } else if (model != null && model.has("vocab") && model.get("vocab").isJsonArray()) {
      max = model.getAsJsonArray("vocab").size() - 1; // Unigram: [piece, score] pairs
    }
    if (json.has("added_tokens")) {
      for (JsonElement t : json.getAsJsonArray("added_tokens")) {
        max = Math.max(max, t.getAsJsonObject().get("id").getAsInt());
      }
    }
    return max + 1;
  }

  private static int endOfSequence(Path directory, JsonObject json, Path file) {
    Path config = directory.resolve("config.json");
    if (Files.isRegularFile(config)) {
      try {
        JsonObject c = JsonParser.parseString(Files.readString(config)).getAsJsonObject();
        if (c.has("eos_token_id") && c.get("eos_token_id").isJsonPrimitive()) {
          return c.get("eos_token_id").getAsInt();
        }
      } catch (IOException | RuntimeException e) {
        // a bad config.json is reported by the model loader; fall back to the added tokens
      }
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
    throw new BadDataException(file, 0, "added_tokens", "no end-of-sequence token: add"
        + " eos_token_id to config.json or an added token named one of " + END_NAMES);
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
}
