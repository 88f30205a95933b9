package dpo.datasets.lm;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dpo.api.BadDataException;
import dpo.api.lm.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token sequences and loss masks of hand-built rows, layouts, split and input errors. */
class LmDataTest {
  @TempDir Path dir;

  /** One token per character (its code), so expected ids can be written by hand. */
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
          return 1 << 16;
        }

        @Override
        public int endOfSequence() {
          return 1;
        }
      };

  private static final LmData.SpecialIds IDS = new LmData.SpecialIds(0, 1, 2);

  private LmData.Data read(String name, String content, int context, LmData.Layout layout)
      throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content, UTF_8);
    return LmData.read(List.of(file), CHARS, IDS, new LmData.Config(context, layout, 0, 1, 1000));
  }

  private static int[] ids(String text) {
    return text.chars().toArray();
  }

  private static boolean[] mask(String pattern) {
    boolean[] m = new boolean[pattern.length()];
    for (int i = 0; i < m.length; i++) {
      m[i] = pattern.charAt(i) == '1';
    }
    return m;
  }

  private static int[] concat(int[]... parts) {
    return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
  }

  @Test
  void specialIdsAreTheTokenizersWithEndOfSequenceForAMissingOne() {
    assertEquals(new LmData.SpecialIds(1, 1, 1), LmData.SpecialIds.of(CHARS));
    Tokenizer withAll =
        new Tokenizer() {
          @Override
          public int[] encode(String text) {
            return CHARS.encode(text);
          }

          @Override
          public String decode(int[] tokens) {
            return CHARS.decode(tokens);
          }

          @Override
          public int vocabularySize() {
            return CHARS.vocabularySize();
          }

          @Override
          public int endOfSequence() {
            return 1;
          }

          @Override
          public int beginOfSequence() {
            return 0;
          }

          @Override
          public int padding() {
            return 2;
          }
        };
    assertEquals(IDS, LmData.SpecialIds.of(withAll));
  }

  @Test
  void promptCompletionTrainsOnTheCompletionAndItsEndOnly() throws IOException {
    LmData.Data d =
        read("pc.jsonl", "{\"prompt\": \"ab\", \"completion\": \"cd\"}\n", 8, LmData.Layout.PAD);
    assertArrayEquals(
        concat(new int[] {0}, ids("abcd"), new int[] {1, 2, 2}), d.train().tokens()[0]);
    assertArrayEquals(mask("00011100"), d.train().targets()[0]);
  }

  @Test
  void messagesTrainOnEveryAssistantTurnAndNothingElse() throws IOException {
    LmData.Data d =
        read(
            "m.jsonl",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"},"
                + " {\"role\": \"assistant\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"r\"},"
                + " {\"role\": \"assistant\", \"content\": \"b\"}]}\n",
            64,
            LmData.Layout.PAD);
    int[] expected =
        concat(
            new int[] {0},
            ids("user: q\nassistant:"),
            ids(" a"),
            new int[] {1},
            ids("user: r\nassistant:"),
            ids(" b"),
            new int[] {1});
    int n = expected.length;
    assertArrayEquals(expected, java.util.Arrays.copyOf(d.train().tokens()[0], n));
    String m = "0" + "0".repeat(18) + "111" + "0".repeat(18) + "111";
    assertArrayEquals(mask(m + "0".repeat(64 - n)), d.train().targets()[0]);
  }

  @Test
  void conversationalPromptCompletionMasksThePromptsAssistantTurns() throws IOException {
    LmData.Data d =
        read(
            "cpc.jsonl",
            "{\"prompt\": [{\"role\": \"user\", \"content\": \"q\"},"
                + " {\"role\": \"assistant\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"r\"}],"
                + " \"completion\": [{\"role\": \"assistant\", \"content\": \"b\"}]}\n",
            64,
            LmData.Layout.PAD);
    String m = "0" + "0".repeat(18) + "000" + "0".repeat(18) + "111";
    assertArrayEquals(mask(m + "0".repeat(64 - m.length())), d.train().targets()[0]);
  }

  @Test
  void trlPreferenceRowsTrainOnTheChosenResponse() throws IOException {
    LmData.Data d =
        read(
            "p.jsonl",
            "{\"prompt\": \"ab\", \"chosen\": \"c\", \"rejected\": \"x\"}\n",
            6,
            LmData.Layout.PAD);
    assertArrayEquals(concat(new int[] {0}, ids("abc"), new int[] {1, 2}), d.train().tokens()[0]);
    assertArrayEquals(mask("000110"), d.train().targets()[0]);
  }

  @Test
  void plainTextIsPackedIntoFullBlocksAcrossDocuments() throws IOException {
    LmData.Data d = read("t.txt", "ab\n\ncde\n", 4, LmData.Layout.PACK);
    // stream: 0 a b 1 | 0 c d e | 1 pad pad pad
    assertEquals(3, d.train().size());
    assertArrayEquals(new int[] {0, 'a', 'b', 1}, d.train().tokens()[0]);
    assertArrayEquals(mask("0111"), d.train().targets()[0]);
    assertArrayEquals(new int[] {0, 'c', 'd', 'e'}, d.train().tokens()[1]);
    assertArrayEquals(mask("0111"), d.train().targets()[1]); // a block's first token has no context
    assertArrayEquals(new int[] {1, 2, 2, 2}, d.train().tokens()[2]);
    assertArrayEquals(mask("0000"), d.train().targets()[2]);
  }

  @Test
  void paddingCutsLongSequencesAndDropsThoseWithoutTargets() throws IOException {
    LmData.Data d =
        read(
            "cut.jsonl",
            "{\"prompt\": \"a\", \"completion\": \"bcdef\"}\n"
                + "{\"prompt\": \"abcdefgh\", \"completion\": \"z\"}\n",
            4,
            LmData.Layout.PAD);
    assertEquals(1, d.train().size());
    assertArrayEquals(new int[] {0, 'a', 'b', 'c'}, d.train().tokens()[0]);
    assertEquals(2, d.truncated());
    assertEquals(1, d.dropped());
  }

  @Test
  void theHeldOutSplitDependsOnTheSeedOnlyAndKeepsExamplesApart() throws IOException {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      text.append("line").append(i).append('\n');
    }
    Path file = dir.resolve("many.txt");
    Files.writeString(file, text, UTF_8);
    LmData.Config config = new LmData.Config(16, LmData.Layout.PAD, 0.1, 42, 1000);
    LmData.Data a = LmData.read(List.of(file), CHARS, IDS, config);
    LmData.Data b = LmData.read(List.of(file), CHARS, IDS, config);
    assertEquals(10, a.evalExamples());
    assertEquals(90, a.train().size());
    assertEquals(10, a.eval().size());
    assertArrayEquals(a.eval().tokens(), b.eval().tokens());
    java.util.Set<String> train = new java.util.HashSet<>();
    for (int[] t : a.train().tokens()) {
      train.add(java.util.Arrays.toString(t));
    }
    for (int[] t : a.eval().tokens()) {
      assertEquals(false, train.contains(java.util.Arrays.toString(t)));
    }
  }

  @Test
  void malformedRowsNameFileLineAndField() throws IOException {
    BadDataException e =
        assertThrows(
            BadDataException.class,
            () ->
                read(
                    "bad.jsonl",
                    "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"a\", \"completion\": 3}\n",
                    8,
                    LmData.Layout.PAD));
    assertEquals(
        dir.resolve("bad.jsonl")
            + ":2 (completion): expected a string or a list of"
            + " {\"role\": ..., \"content\": ...} messages, got number 3; fix the row, e.g."
            + " {\"prompt\": \"...\", \"completion\": \"...\"}",
        e.getMessage());
  }

  @Test
  void aRowWithoutTheFirstRowsFieldNamesIt() {
    BadDataException e =
        assertThrows(
            BadDataException.class,
            () ->
                read("mixed.jsonl", "{\"text\": \"a\"}\n{\"txt\": \"b\"}\n", 8, LmData.Layout.PAD));
    assertEquals(
        dir.resolve("mixed.jsonl")
            + ":2 (text): missing field; the row has [txt]; add"
            + " it, e.g. {\"text\": \"...\"}",
        e.getMessage());
  }

  @Test
  void aConversationWithoutAnAssistantTurnIsRefused() {
    BadDataException e =
        assertThrows(
            BadDataException.class,
            () ->
                read(
                    "u.jsonl",
                    "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}]}\n",
                    8,
                    LmData.Layout.PAD));
    assertEquals(
        dir.resolve("u.jsonl")
            + ":1 (messages): no assistant message to train on; a"
            + " conversation trains on its \"assistant\" turns, so add one (roles are case-sensitive)",
        e.getMessage());
  }

  @Test
  void aTooLongTextLineIsRefusedWithTheLimit() throws IOException {
    Path file = dir.resolve("long.txt");
    Files.writeString(file, "ok\r\n" + "y".repeat(2000), UTF_8);
    BadDataException e =
        assertThrows(
            BadDataException.class,
            () ->
                LmData.read(
                    List.of(file),
                    CHARS,
                    IDS,
                    new LmData.Config(8, LmData.Layout.PACK, 0, 1, 1000)));
    assertEquals(
        file
            + ":2: the line is longer than 1000 characters, the limit; break the text"
            + " into lines (paragraphs), or raise the limit with --max-line-chars",
        e.getMessage());
  }

  @Test
  void aTooLongRowIsRefusedWithTheLimit() throws IOException {
    Path file = dir.resolve("long.jsonl");
    Files.writeString(file, "{\"text\": \"" + "y".repeat(200_000) + "\"}\n", UTF_8);
    BadDataException e =
        assertThrows(
            BadDataException.class,
            () ->
                LmData.read(
                    List.of(file),
                    CHARS,
                    IDS,
                    new LmData.Config(8, LmData.Layout.PACK, 0, 1, 1000)));
    assertEquals(
        true, e.getMessage().contains("longer than 1000 characters, the limit"), e.getMessage());
  }
}
