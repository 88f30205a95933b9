package dpo.api.lm;

import dpo.api.ConfigurationException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A whitespace word tokenizer over a fixed vocabulary, for the synthetic tasks: ids 0-3 are
 * {@code <pad>}, {@code <bos>}, {@code <eos>} and {@code <unk>}, then the words in order. It can
 * write itself as a Hugging Face {@code tokenizer.json} (WordLevel model), so checkpoints trained
 * on a synthetic task carry their tokenizer in the standard format. Immutable and thread-safe.
 */
public final class WordTokenizer implements Tokenizer {
  /** Padding id. */
  public static final int PAD = 0;
  /** Beginning-of-text id, prepended to prompts so that every prompt has a first token. */
  public static final int BOS = 1;
  /** End-of-sequence id. */
  public static final int EOS = 2;
  /** Unknown-word id. */
  public static final int UNK = 3;

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
        throw new ConfigurationException("words", "vocabulary words must be distinct, non-empty,"
            + " without whitespace and not a special token; got '" + w + "'");
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
   * The ids of a prompt: {@code <bos>} then its words.
   *
   * @param prompt the prompt text
   * @return the ids
   */
  public int[] encodePrompt(String prompt) {
    int[] words = encode(prompt);
    int[] out = new int[words.length + 1];
    out[0] = BOS;
    System.arraycopy(words, 0, out, 1, words.length);
    return out;
  }

  @Override
  public String decode(int[] tokens) {
    List<String> out = new ArrayList<>();
    for (int t : tokens) {
      if (t == PAD || t == BOS || t == EOS) {
        continue;
      }
      out.add(t >= SPECIAL.size() && t < vocabularySize() ? words.get(t - SPECIAL.size())
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
    StringBuilder added = new StringBuilder();
    StringBuilder vocab = new StringBuilder();
    for (int i = 0; i < SPECIAL.size(); i++) {
      added.append(i == 0 ? "" : ",\n    ").append("{\"id\": ").append(i)
          .append(", \"content\": \"").append(SPECIAL.get(i)).append("\", \"single_word\": false,"
              + " \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}");
    }
    List<String> all = new ArrayList<>(SPECIAL);
    all.addAll(words);
    for (int i = 0; i < all.size(); i++) {
      vocab.append(i == 0 ? "" : ", ").append('"').append(escape(all.get(i))).append("\": ")
          .append(i);
    }
    return "{\n  \"version\": \"1.0\", \"truncation\": null, \"padding\": null,\n"
        + "  \"added_tokens\": [\n    " + added + "],\n"
        + "  \"normalizer\": null, \"pre_tokenizer\": {\"type\": \"WhitespaceSplit\"},\n"
        + "  \"post_processor\": null, \"decoder\": null,\n"
        + "  \"model\": {\"type\": \"WordLevel\", \"unk_token\": \"<unk>\", \"vocab\": {" + vocab
        + "}}\n}\n";
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
