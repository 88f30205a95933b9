package dpo.api.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/**
 * {@link Tokenizer#encodePair}: a pair that fits is kept whole; a longer one is cut as documented.
 */
class TokenizerTest {
  /** One token per character, its code; the end token is 0. */
  private static final Tokenizer CHARS =
      new Tokenizer() {
        @Override
        public int[] encode(String text) {
          return text.chars().toArray();
        }

        @Override
        public String decode(int[] tokens) {
          return new String(tokens, 0, tokens.length);
        }

        @Override
        public int vocabularySize() {
          return 128;
        }

        @Override
        public int endOfSequence() {
          return 0;
        }
      };

  private static void assertPair(String prompt, String response, int[][] actual) {
    assertArrayEquals(CHARS.encode(prompt), actual[0], "prompt");
    assertArrayEquals(CHARS.encode(response), actual[1], "response");
  }

  @Test
  void aPairThatFitsIsKeptWholeEvenWithAPromptLongerThanHalfTheContext() {
    assertPair("abcdefg", "xy", CHARS.encodePair("abcdefg", "xy", 10));
    assertPair("abcdefgh", "xy", CHARS.encodePair("abcdefgh", "xy", 10));
  }

  @Test
  void aLongerPairKeepsThePromptsEndAndTheResponsesStart() {
    // A short response leaves the prompt all the rest.
    assertPair("cdefghij", "xy", CHARS.encodePair("abcdefghij", "xy", 10));
    // A long response: the prompt keeps half the context, the response fills the rest.
    assertPair("fghij", "klmno", CHARS.encodePair("abcdefghij", "klmnopqrst", 10));
    assertPair("ab", "klmnopqr", CHARS.encodePair("ab", "klmnopqrst", 10));
    // An empty prompt reads as the end token.
    assertArrayEquals(new int[] {0}, CHARS.encodePair("", "xy", 10)[0]);
  }
}
