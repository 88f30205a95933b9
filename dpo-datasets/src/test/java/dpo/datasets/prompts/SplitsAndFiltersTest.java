package dpo.datasets.prompts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.data.Content;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SplitsAndFiltersTest {

  @Test
  void paperSplitsAreTrainZeroToTenThousandAndTestToTwelveThousand() {
    assertEquals(new Split("train", 0, 10_000), Split.TRAIN);
    assertEquals(new Split("test", 10_000, 12_000), Split.TEST);
    assertTrue(Split.TRAIN.contains(9_999));
    assertFalse(Split.TRAIN.contains(10_000));
    assertTrue(Split.TEST.contains(10_000));
    assertTrue(Split.TEST.contains(11_999));
    assertFalse(Split.TEST.contains(12_000));
    assertEquals(2_000, Split.TEST.size());
  }

  @Test
  void parsesNamesAndRanges() {
    assertEquals(Split.TRAIN, Split.parse("train"));
    assertEquals(Split.TEST, Split.parse("test"));
    assertEquals(new Split("5:8", 5, 8), Split.parse("5:8"));
    IllegalArgumentException bad =
        assertThrows(IllegalArgumentException.class, () -> Split.parse("dev"));
    assertTrue(bad.getMessage().contains("use train (0:10000), test (10000:12000) or FROM:TO"));
    assertThrows(IllegalArgumentException.class, () -> Split.parse("8:5"));
  }

  @Test
  void selectNeverCutsASplitShort() {
    List<Integer> rows = IntStream.range(0, 20).boxed().toList();

    assertEquals(List.of(5, 6, 7), Split.parse("5:8").select(rows));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Split.parse("15:25").select(rows));
    assertEquals(
        "the split 15:25 needs rows 15 to 24, but there are only 20 rows; choose a range within"
            + " them (FROM:TO) or loosen the filters",
        e.getMessage());
  }

  @Test
  void lengthFilterCountsCodePointsInclusively() {
    LengthFilter f = new LengthFilter(2, 4);

    assertFalse(f.accepts(Content.of("a")));
    assertTrue(f.accepts(Content.of("ab")));
    assertTrue(f.accepts(Content.of("abcd")));
    assertFalse(f.accepts(Content.of("abcde")));
    // Four emoji are eight UTF-16 chars but four characters.
    assertTrue(f.accepts(Content.of("\uD83D\uDE00".repeat(4))));
    assertThrows(IllegalArgumentException.class, () -> new LengthFilter(5, 4));
    assertThrows(IllegalArgumentException.class, () -> LengthFilter.atMost(-1));
  }
}
