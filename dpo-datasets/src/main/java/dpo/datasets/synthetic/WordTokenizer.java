package dpo.datasets.synthetic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dpo.api.ConfigurationException;
import dpo.api.lm.Tokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A whitespace word tokenizer over a fixed vocabulary, for the synthetic tasks: ids 0-3 are {@code
 * <pad>}, {@code <bos>}, {@code <eos>} and {@code <unk>}, then the words in order. It can write
 * itself as a Hugging Face {@code tokenizer.json} (WordLevel model), so checkpoints trained on a
 * synthetic task carry their tokenizer in the standard format. Immutable and thread-safe.
 */
public final class WordTokenizer implements Tokenizer, java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /** Padding id. */
  public static final int PAD = 0;

  /** Beginning-of-text id, prepended to prompts so that every prompt has a first token. */
  public static final int BOS = 1;

  /** End-of-sequence id. */
  public static final int EOS = 2;

  /** Unknown-word id. */
  public static final int UNK = 3;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> SPECIAL = List.of("<pad>", "<bos>", "<eos>", "<unk>");

  private final List<String> words;
  private final Map<String, Integer> ids = new HashMap<>();

  /**
   * A tokenizer over a vocabulary.
   *
   * @param words the vocabulary, distinct, without whitespace
   */
  public WordTokenizer(List<String> words) {
    this.words = List.copyOf(words);
    Set<String> seen = new HashSet<>(SPECIAL);
    for (String w : this.words) {
      if (w.isEmpty() || w.chars().anyMatch(Character::isWhitespace) || !seen.add(w)) {
        throw new ConfigurationException(
            "words",
            "vocabulary words must be distinct, non-empty,"
                + " without whitespace and not a special token; got '"
                + w
                + "'");
      }
      ids.put(w, SPECIAL.size() + ids.size());
    }
  }

  /**
   * The vocabulary, without the special tokens.
   *
   * @return the words in id order
   */
  public List<String> words() {
    return words;
  }

  @Override
  public int[] encode(String text) {
    String trimmed = text.strip();
    if (trimmed.isEmpty()) {
      return new int[0];
    }
    String[] parts = trimmed.split("\\s+");
    int[] out = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = ids.getOrDefault(parts[i], UNK);
    }
    return out;
  }

  /**
   * The ids of a prompt: {@code <bos>} then its words, so that every prompt has a first token.
   *
   * @param prompt the prompt text
   * @return the ids
   */
  @Override
  public int[] encodePrompt(String prompt) {
    int[] words = encode(prompt);
    int[] out = new int[words.length + 1];
    out[0] = BOS;
    System.arraycopy(words, 0, out, 1, words.length);
    return out;
  }

  /**
   * The padding and unknown tokens.
   *
   * @return {PAD, UNK}
   */
  @Override
  public int[] neverGenerated() {
    return new int[] {PAD, UNK};
  }

  /**
   * The words of token ids joined by spaces; {@code <pad>}, {@code <bos>} and {@code <eos>} are
   * left out, an unknown or out-of-range id reads {@code <unk>}.
   */
  @Override
  public String decode(int[] tokens) {
    List<String> out = new ArrayList<>();
    for (int t : tokens) {
      if (t == PAD || t == BOS || t == EOS) {
        continue;
      }
      out.add(
          t >= SPECIAL.size() && t < vocabularySize()
              ? words.get(t - SPECIAL.size())
              : SPECIAL.get(UNK));
    }
    return String.join(" ", out);
  }

  @Override
  public int vocabularySize() {
    return SPECIAL.size() + words.size();
  }

  @Override
  public int endOfSequence() {
    return EOS;
  }

  /**
   * This tokenizer as a Hugging Face {@code tokenizer.json} (WordLevel model, whitespace
   * pre-tokenizer), which {@code tokenizers} libraries load with the same ids.
   *
   * @return the JSON text
   */
  public String toHuggingFaceJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int i = 0; i < SPECIAL.size(); i++) {
      added
          .addObject()
          .put("id", i)
          .put("content", SPECIAL.get(i))
          .put("single_word", false)
          .put("lstrip", false)
          .put("rstrip", false)
          .put("normalized", false)
          .put("special", true);
    }
    root.putNull("normalizer");
    root.putObject("pre_tokenizer").put("type", "WhitespaceSplit");
    root.putNull("post_processor");
    root.putNull("decoder");
    ObjectNode model = root.putObject("model");
    model.put("type", "WordLevel");
    ObjectNode vocab = model.putObject("vocab");
    for (int i = 0; i < SPECIAL.size(); i++) {
      vocab.put(SPECIAL.get(i), i);
    }
    for (int i = 0; i < words.size(); i++) {
      vocab.put(words.get(i), SPECIAL.size() + i);
    }
    model.put("unk_token", SPECIAL.get(UNK));
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a tree of strings and numbers as JSON", e);
    }
  }
}
