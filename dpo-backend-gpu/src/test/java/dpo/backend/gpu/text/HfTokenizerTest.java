package dpo.backend.gpu.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.BadDataException;
import dpo.backend.gpu.DjlOffline;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {
  static final String WORD_LEVEL =
      """
      {"version": "1.0", "truncation": null, "padding": null,
       "added_tokens": [
         {"id": 0, "content": "<pad>", "single_word": false, "lstrip": false, "rstrip": false,
          "normalized": false, "special": true},
         {"id": 1, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false,
          "normalized": false, "special": true}],
       "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null,
       "decoder": null,
       "model": {"type": "WordLevel", "unk_token": "<unk>",
                 "vocab": {"<pad>": 0, "</s>": 1, "<unk>": 2, "hello": 3, "world": 4, "again": 5}}}
      """;

  @BeforeAll
  static void offline() {
    DjlOffline.enforce();
  }

  /**
   * eos_token_id may be a list, and generation_config.json may name other end tokens than
   * config.json (as Llama 3's and Qwen2.5's instruct checkpoints do): the first of config.json's is
   * the end-of-sequence token, every other one ends a generation too; an id outside the vocabulary
   * is refused naming the file and key.
   */
  @Test
  void everyEndTokenOfConfigAndGenerationConfigEndsAGeneration(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("tokenizer.json"), WORD_LEVEL);
    Files.writeString(dir.resolve("config.json"), "{\"eos_token_id\": [1, 5]}");
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": 0}");
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"pad_token\": \"<pad>\"}");
    HfTokenizer t = HfTokenizer.load(dir);
    assertArrayEquals(new int[] {0, 2}, t.neverGenerated());
    assertEquals(1, t.endOfSequence());
    assertArrayEquals(new int[] {0, 5}, t.alsoEnding());
    dpo.api.lm.GenerationConfig g = dpo.api.lm.GenerationConfig.greedy(8, 1).withTokens(t);
    assertEquals(java.util.List.of(0, 5), g.alsoEnding());
    assertEquals(
        java.util.List.of(2), g.suppressed(), "<pad> (0) ends, so only <unk> is never drawn");

    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [1, 6]}");
    BadDataException e = assertThrows(BadDataException.class, () -> HfTokenizer.load(dir));
    assertEquals(
        dir.resolve("generation_config.json")
            + " (eos_token_id): eos_token_id lists 6, which is not a token of the vocabulary of 6;"
            + " fix the list",
        e.getMessage());
  }

  @Test
  void aTokenizerJsonLoadsOfflineAndRoundTrips(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("tokenizer.json"), WORD_LEVEL);
    HfTokenizer t = HfTokenizer.load(dir);
    assertArrayEquals(new int[] {3, 4, 5}, t.encode("hello world again"));
    assertArrayEquals(new int[] {3, 2}, t.encode("hello stranger"));
    assertEquals("hello world", t.decode(new int[] {3, 4, 1}));
    assertEquals(6, t.vocabularySize());
    assertEquals(1, t.endOfSequence(), "</s> is an end-of-sequence name");
    assertArrayEquals(new int[] {2}, t.neverGenerated(), "the model's unk_token, no pad set");
    Files.writeString(dir.resolve("config.json"), "{\"eos_token_id\": 0}");
    assertEquals(0, HfTokenizer.load(dir).endOfSequence(), "config.json's eos_token_id wins");
  }

  /**
   * A text longer than the tokenizers library's guessed model_max_length (512), and than the one
   * the file states, is encoded whole: lengths are the model code's business, and the library must
   * neither cut nor warn.
   */
  @Test
  void longTextsAreEncodedWholeWithATokenizerConfig(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("tokenizer.json"), WORD_LEVEL);
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        "{\"eos_token\": \"</s>\", \"pad_token\": \"</s>\", \"model_max_length\": 16}");
    String text = "hello world again ".repeat(400).strip();
    int[] ids = HfTokenizer.load(dir).encode(text);
    assertEquals(1200, ids.length, "every word encoded, none cut");
  }

  @Test
  void theWordTokenizersHuggingFaceFormGivesTheSameIds(@TempDir Path dir) throws Exception {
    dpo.datasets.synthetic.WordTokenizer words =
        new dpo.datasets.synthetic.WordTokenizer(
            java.util.List.of("bees", "are", "calm", ".", "don't"));
    Files.writeString(dir.resolve("tokenizer.json"), words.toHuggingFaceJson());
    HfTokenizer hf = HfTokenizer.load(dir);
    String text = "bees are calm . don't sting";
    assertArrayEquals(words.encode(text), hf.encode(text));
    assertEquals(words.vocabularySize(), hf.vocabularySize());
    assertEquals(words.endOfSequence(), hf.endOfSequence());
  }

  @Test
  void missingOrBrokenFilesFailNamingTheFile(@TempDir Path dir) throws Exception {
    BadDataException missing = assertThrows(BadDataException.class, () -> HfTokenizer.load(dir));
    assertTrue(missing.getMessage().contains("tokenizer.json"), missing.getMessage());
    Path absent = dir.resolve("absent");
    assertEquals(
        absent
            + ": no such folder; give the checkpoint or tokenizer folder that holds tokenizer.json",
        assertThrows(BadDataException.class, () -> HfTokenizer.load(absent)).getMessage());
    Path file = Files.writeString(dir.resolve("a-file"), "");
    assertEquals(
        file + ": not a folder; give the checkpoint or tokenizer folder that holds tokenizer.json",
        assertThrows(BadDataException.class, () -> HfTokenizer.load(file)).getMessage());
    Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": 3");
    BadDataException broken = assertThrows(BadDataException.class, () -> HfTokenizer.load(dir));
    assertEquals(
        dir.resolve("tokenizer.json")
            + ": not valid JSON at line 1, column 12; restore the checkpoint's file",
        broken.getMessage());
  }

  /** Unquoted names, single quotes and trailing text are refused in every JSON file read here. */
  @Test
  void jsonFilesMustBeStrictJson(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("tokenizer.json"), WORD_LEVEL + "}");
    assertEquals(
        dir.resolve("tokenizer.json")
            + ": not valid JSON at line 11, column 2; restore the checkpoint's file",
        assertThrows(BadDataException.class, () -> HfTokenizer.load(dir)).getMessage());
    Files.writeString(dir.resolve("tokenizer.json"), WORD_LEVEL);
    Files.writeString(dir.resolve("tokenizer_config.json"), "{pad_token: '<pad>'}");
    assertEquals(
        dir.resolve("tokenizer_config.json")
            + ": not valid JSON at line 1, column 3; restore the checkpoint's file",
        assertThrows(BadDataException.class, () -> HfTokenizer.load(dir)).getMessage());
    Files.writeString(dir.resolve("tokenizer_config.json"), "[]");
    assertEquals(
        dir.resolve("tokenizer_config.json") + ": not a JSON object; restore the checkpoint's file",
        assertThrows(BadDataException.class, () -> HfTokenizer.load(dir)).getMessage());
    Files.delete(dir.resolve("tokenizer_config.json"));
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": 'x'}");
    assertEquals(
        dir.resolve("generation_config.json")
            + ": not valid JSON at line 1, column 19; restore the checkpoint's file",
        assertThrows(BadDataException.class, () -> HfTokenizer.load(dir)).getMessage());
  }

  /**
   * The vocabulary's size is its largest id + 1: an id of 2^31 - 1 made it overflow to -2^31, and
   * the error then blamed config.json's eos_token_id. Such ids are refused naming the token.
   */
  @Test
  void idsNoVocabularyCanHoldAreRefusedNamingTheToken(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("tokenizer.json"), WORD_LEVEL.replace("\"again\": 5", "\"again\": 2147483647"));
    Files.writeString(dir.resolve("config.json"), "{\"eos_token_id\": 1}");
    assertEquals(
        dir.resolve("tokenizer.json")
            + " (model.vocab): token \"again\" has id 2147483647, not a whole number from 0 to"
            + " 2147483638; fix the token's id",
        assertThrows(BadDataException.class, () -> HfTokenizer.load(dir)).getMessage());
    Files.writeString(
        dir.resolve("tokenizer.json"),
        WORD_LEVEL.replace("{\"id\": 1, \"content\"", "{\"id\": 4294967297, \"content\""));
    assertEquals(
        dir.resolve("tokenizer.json")
            + " (added_tokens): token \"</s>\" has id 4294967297, not a whole number from 0 to"
            + " 2147483638; fix the token's id",
        assertThrows(BadDataException.class, () -> HfTokenizer.load(dir)).getMessage());
    Files.writeString(
        dir.resolve("tokenizer.json"), WORD_LEVEL.replace("\"again\": 5", "\"again\": \"5\""));
    assertEquals(
        dir.resolve("tokenizer.json")
            + " (model.vocab): token \"again\" has id \"5\", not a whole number from 0 to"
            + " 2147483638; fix the token's id",
        assertThrows(BadDataException.class, () -> HfTokenizer.load(dir)).getMessage());
  }

  static final String LLAMA_LIKE =
      WORD_LEVEL
          .replace(
              "\"normalized\": false, \"special\": true}],",
              "\"normalized\": false,"
                  + " \"special\": true}, {\"id\": 6, \"content\": \"<s>\", \"single_word\": false,"
                  + " \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}],")
          .replace(
              "\"post_processor\": null",
              "\"post_processor\": {\"type\": \"TemplateProcessing\","
                  + " \"single\": [{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}},"
                  + " {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}],"
                  + " \"pair\": [{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}},"
                  + " {\"Sequence\": {\"id\": \"B\", \"type_id\": 1}}],"
                  + " \"special_tokens\": {\"<s>\": {\"id\": \"<s>\", \"ids\": [6],"
                  + " \"tokens\": [\"<s>\"]}}}");

  @Test
  void promptsGetTheTokenizersSpecialTokensResponsesNone(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("tokenizer.json"), LLAMA_LIKE);
    HfTokenizer post = HfTokenizer.load(dir);
    assertArrayEquals(
        new int[] {6, 3, 4}, post.encodePrompt("hello world"), "the post-processor prepends <s>");
    assertArrayEquals(new int[] {3, 4}, post.encode("hello world"));
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        "{\"add_bos_token\": false,"
            + " \"add_eos_token\": true, \"bos_token\": {\"content\": \"<s>\"},"
            + " \"eos_token\": \"</s>\", \"pad_token\": \"<pad>\"}");
    HfTokenizer configured = HfTokenizer.load(dir);
    assertArrayEquals(
        new int[] {3, 4, 1},
        configured.encodePrompt("hello world"),
        "tokenizer_config.json's add_bos_token / add_eos_token win");
    assertEquals(6, configured.beginOfSequence());
    assertEquals(0, configured.padding());
    assertArrayEquals(new int[] {0, 2}, configured.neverGenerated(), "padding and unknown");
    assertEquals(1, configured.endOfSequence());
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        "{\"add_bos_token\": true," + " \"bos_token\": \"<bos>\"}");
    BadDataException unknown = assertThrows(BadDataException.class, () -> HfTokenizer.load(dir));
    assertTrue(
        unknown
            .getMessage()
            .endsWith(
                "tokenizer_config.json (bos_token): bos_token"
                    + " \"<bos>\" is not a token of tokenizer.json; fix bos_token or the tokenizer"),
        unknown.getMessage());
  }
}
