package dpo.api.lm;

/** Maps text to token ids and back. Implementations are immutable and thread-safe. */
public interface Tokenizer {

  /**
   * Token ids of a text, without special tokens.
   *
   * @param text the text
   * @return its token ids
   */
  int[] encode(String text);

  /**
   * Token ids of a prompt as a model is prompted with it: {@link #encode} by default; a tokenizer
   * whose models expect a beginning-of-text token prepends it.
   *
   * @param prompt the prompt text
   * @return its token ids
   */
  default int[] encodePrompt(String prompt) {
    return encode(prompt);
  }

  /**
   * Special tokens that a response should never contain: the unknown token (a model that emits it
   * says nothing) and the padding token (never a training target). Generation for a response
   * suppresses them ({@link GenerationConfig#suppressing}); the end-of-sequence token is never
   * among them.
   *
   * @return their ids; none by default
   */
  default int[] neverGenerated() {
    return new int[0];
  }

  /**
   * The text of token ids, as oracles and people read responses. Implementations leave special
   * tokens out of the text (at least the end-of-sequence and padding tokens) and say which in their
   * documentation, so that an oracle scores what a user would see; {@link #neverGenerated()} keeps
   * the tokens that would carry no text out of responses in the first place.
   *
   * @param tokens token ids
   * @return the text
   */
  String decode(int[] tokens);

  /**
   * Number of token ids, special tokens included.
   *
   * @return the vocabulary size
   */
  int vocabularySize();

  /**
   * The end-of-sequence token that stops generation.
   *
   * @return its id
   */
  int endOfSequence();

  /**
   * Other tokens that also end a generated response. A checkpoint may list several end tokens:
   * Llama 3's instruct models end a turn with {@code <|eot_id|>} and list it, with {@code
   * <|eom_id|>}, beside {@code <|end_of_text|>}.
   *
   * @return their ids, never {@link #endOfSequence()} (none by default)
   */
  default int[] alsoEnding() {
    return new int[0];
  }

  /**
   * The beginning-of-sequence token, which a training text starts with (see {@code
   * tokenizer_config.json}'s {@code bos_token}).
   *
   * @return its id, or -1 if the tokenizer has none (the default)
   */
  default int beginOfSequence() {
    return -1;
  }

  /**
   * The padding token, which fills a batch's short rows and is never a target of the loss.
   *
   * @return its id, or -1 if the tokenizer has none (the default)
   */
  default int padding() {
    return -1;
  }

  /**
   * Token ids of a (prompt, response) pair for a model with a given context, as reward models read
   * them. A pair that fits the context is kept whole. Otherwise the prompt (the end-of-sequence
   * token if it encodes to nothing) keeps, from its end, at most what the response leaves and never
   * less than half the context; the response fills the rest, from its start.
   *
   * @param prompt the prompt text
   * @param response the response text
   * @param context the model's context length, >= 2
   * @return {prompt ids, response ids}
   */
  default int[][] encodePair(String prompt, String response, int context) {
    int[] p = encode(prompt);
    if (p.length == 0) {
      p = new int[] {endOfSequence()};
    }
    int[] r = encode(response);
    int promptKeeps = Math.min(p.length, Math.max(context / 2, context - r.length));
    p = java.util.Arrays.copyOfRange(p, p.length - promptKeeps, p.length);
    r = java.util.Arrays.copyOf(r, Math.min(r.length, context - p.length));
    return new int[][] {p, r};
  }
}
