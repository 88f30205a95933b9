package dpo.datasets.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
    assertArrayEquals(
        new int[] {WordTokenizer.PAD, WordTokenizer.UNK},
        t.neverGenerated(),
        "responses never contain padding or the unknown token");
  }

  @Test
  void badVocabulariesAreRejected() {
    assertThrows(ConfigurationException.class, () -> new WordTokenizer(List.of("a", "a")));
    assertThrows(ConfigurationException.class, () -> new WordTokenizer(List.of("a b")));
    assertThrows(ConfigurationException.class, () -> new WordTokenizer(List.of("<eos>")));
  }

  @Test
  void theHuggingFaceFormListsEveryIdOnce() throws Exception {
    WordTokenizer odd = new WordTokenizer(List.of("the", "\"quoted\"", "back\\slash", "caf\u00e9"));
    JsonNode json = new ObjectMapper().readTree(odd.toHuggingFaceJson());
    assertEquals("WordLevel", json.at("/model/type").asText());
    assertEquals("<unk>", json.at("/model/unk_token").asText());
    assertEquals("WhitespaceSplit", json.at("/pre_tokenizer/type").asText());
    JsonNode vocab = json.at("/model/vocab");
    assertEquals(odd.vocabularySize(), vocab.size());
    List<String> expected =
        List.of(
            "<pad>", "<bos>", "<eos>", "<unk>", "the", "\"quoted\"", "back\\slash", "caf\u00e9");
    for (int id = 0; id < expected.size(); id++) {
      assertEquals(id, vocab.get(expected.get(id)).asInt(), expected.get(id));
    }
    JsonNode added = json.get("added_tokens");
    assertEquals(4, added.size());
    for (int id = 0; id < 4; id++) {
      assertEquals(id, added.get(id).get("id").asInt());
      assertEquals(expected.get(id), added.get(id).get("content").asText());
      assertTrue(added.get(id).get("special").asBoolean());
    }
  }
}
