package dpo.api.lm;

/**
 * Maps text to token ids and back. Implementations are immutable and thread-safe.
 */
public interface Tokenizer {

  /**
   * Token ids of a text, without special tokens.
   *
   * @param text the text
   * @return its token ids
   */
  int[] encode(String text);

  /**
   * The text of token ids; the end-of-sequence and padding tokens are left out.
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
}
