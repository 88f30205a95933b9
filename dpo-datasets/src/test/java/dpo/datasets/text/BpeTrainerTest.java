package dpo.datasets.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The byte alphabet, the merge order with its tie rule, and encoding round trips. */
class BpeTrainerTest {
  @Test
  void theByteAlphabetIsGpt2s() {
    assertEquals('!', ByteLevel.charOf('!'));
    assertEquals('\u0120', ByteLevel.charOf(' ')); // "Ġ"
    assertEquals('\u010a', ByteLevel.charOf('\n')); // "Ċ"
    assertEquals('\u0100', ByteLevel.charOf(0));
    assertEquals('\u0143', ByteLevel.charOf(0xad)); // the soft hyphen is the last remapped byte
    java.util.Set<Character> seen = new java.util.HashSet<>();
    for (int b = 0; b < 256; b++) {
      seen.add(ByteLevel.charOf(b));
      assertEquals(b, ByteLevel.byteOf(ByteLevel.charOf(b)));
    }
    assertEquals(256, seen.size());
  }

  @Test
  void wordsFollowGpt2sPattern() {
    assertEquals(
        List.of("Hello", ",", " world", "'s", "  ", " 123", "!!", "\n"),
        ByteLevel.words("Hello, world's   123!!\n"));
  }

  @Test
  void theMostFrequentPairIsMergedFirstAndTiesGoToSmallerIds() {
    BpeTrainer trainer = new BpeTrainer(3 + 256 + 3, SpecialTokens.DEFAULT, false);
    trainer.add("ab ab ab cd cd cd xy");
    BpeTokenizer t = trainer.train();
    // (a,b), (Ġ,c) and (c,d) all count 3; ids are specials 0-2, then byte b has id 3 + b, so
    // Ġ (the space, 35) < a (100) < c (102): (Ġ,c) wins. Then (a,b) = 3 and (Ġc,d) = 3 tie, and
    // a's id is below Ġc's (259, made by the first merge).
    assertEquals("Ġ c", String.join(" ", t.merges().get(0)));
    assertEquals("a b", String.join(" ", t.merges().get(1)));
    assertEquals("Ġc d", String.join(" ", t.merges().get(2)));
    assertArrayEquals(new int[] {t.id("ab"), t.id("Ġcd")}, t.encode("ab cd"));
  }

  @Test
  void encodingRoundTripsAnyText() {
    BpeTrainer trainer = new BpeTrainer(400, SpecialTokens.DEFAULT, false);
    trainer.add("the cat sat on the mat; the dog sat on the log. 日本語 😀");
    BpeTokenizer t = trainer.train();
    for (String s : List.of("", "unseen wörds\tand\u00a0spaces  ", "😀😀 日本", "a\r\nb")) {
      assertEquals(s, t.decode(t.encode(s)));
    }
    assertArrayEquals(new int[] {1}, t.encode("<|eos|>"));
    assertEquals("", t.decode(new int[] {0, 1, 2}));
  }
}
