package dpo.api.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import java.util.List;
import org.junit.jupiter.api.Test;

class WordTokenizerTest {
  final WordTokenizer t = new WordTokenizer(List.of("the", "cat", "sat", "."));

  @Test
  void wordsMapAfterTheSpecialTokens() {
    assertArrayEquals(new int[] {4, 5, 6, 7}, t.encode("the cat sat ."));
    assertArrayEquals(new int[] {4, 3}, t.encode("  the   dog "));
    assertArrayEquals(new int[] {1, 5}, t.encodePrompt("cat"));
    assertArrayEquals(new int[0], t.encode("   "));
    assertEquals("the cat <unk>", t.decode(new int[] {1, 4, 5, 3, 2, 0}));
    assertEquals(8, t.vocabularySize());
    assertEquals(WordTokenizer.EOS, t.endOfSequence());
  }

  @Test
  void badVocabulariesAreRejected() {
    assertThrows(ConfigurationException.class, () -> new WordTokenizer(List.of("a", "a")));
    assertThrows(ConfigurationException.class, () -> new WordTokenizer(List.of("a b")));
    assertThrows(ConfigurationException.class, () -> new WordTokenizer(List.of("<eos>")));
  }

  @Test
  void theHuggingFaceFormListsEveryIdOnce() {
    String json = t.toHuggingFaceJson();
    assertTrue(json.contains("\"<eos>\": 2") && json.contains("\".\": 7"), json);
    assertTrue(json.contains("\"type\": \"WordLevel\""));
  }
}
