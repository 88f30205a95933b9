package dpo.datasets.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.BadDataException;
import dpo.api.data.PreferencePair;
import dpo.api.data.SafeRlhfRow;
import dpo.datasets.io.RowSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Datasets#preferencePairs}: the pairs of every format that holds some. */
class PreferencePairsTest {
  @TempDir Path dir;

  private static List<PreferencePair> read(Path file) {
    List<PreferencePair> out = new ArrayList<>();
    try (DatasetReader<PreferencePair> r =
        Datasets.preferencePairs(file, null, RowSources.DEFAULT_MAX_ROW_CHARS)) {
      r.forEachRemaining(out::add);
    }
    return out;
  }

  @Test
  void trlRowsArePairsAsTheyAre() {
    List<PreferencePair> pairs = read(Fixtures.path("trl-standard.jsonl"));
    List<PreferencePair> expected = new ArrayList<>();
    try (DatasetReader<PreferencePair> r =
        Datasets.preferences(Fixtures.path("trl-standard.jsonl"), null)) {
      r.forEachRemaining(expected::add);
    }
    assertEquals(expected, pairs);
  }

  @Test
  void pkuRowsGiveTheirHelpfulnessPair() {
    List<PreferencePair> expected = new ArrayList<>();
    try (DatasetReader<SafeRlhfRow> r = Datasets.safeRlhf(Fixtures.path("pku-saferlhf.jsonl"))) {
      r.forEachRemaining(row -> expected.add(row.betterPair()));
    }
    assertEquals(expected, read(Fixtures.path("pku-saferlhf.jsonl")));
  }

  @Test
  void scoredGenerationsGiveBestAgainstWorstAndTiesAreSkipped() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("g.jsonl"),
            "{\"prompt\": \"p1\", \"responses\": [\"a\", \"b\", \"c\"], \"rewards\": [0.5, 2, -1]}\n"
                + "{\"prompt\": \"p2\", \"responses\": [\"x\", \"y\"], \"rewards\": [1, 1]}\n"
                + "{\"prompt\": \"p3\", \"responses\": [\"u\", \"v\"], \"rewards\": [-3, 4]}\n");
    List<PreferencePair> pairs = read(file);
    assertEquals(2, pairs.size(), "the tie of p2 holds no preference");
    assertEquals("p1", pairs.get(0).prompt().text());
    assertEquals("b", pairs.get(0).chosen().text());
    assertEquals("c", pairs.get(0).rejected().text());
    assertEquals(3.0, pairs.get(0).margin().getAsDouble());
    assertEquals("v", pairs.get(1).chosen().text());
    assertEquals("u", pairs.get(1).rejected().text());
  }

  @Test
  void unscoredGenerationsAndPromptFilesAreRefused() {
    BadDataException unscored =
        assertThrows(BadDataException.class, () -> read(Fixtures.path("generations.jsonl")));
    assertTrue(
        unscored.getMessage().contains("generations.jsonl:2 (rewards): missing"),
        unscored.getMessage());
    BadDataException prompts =
        assertThrows(BadDataException.class, () -> read(Fixtures.path("prompts.jsonl")));
    assertTrue(
        prompts.getMessage().contains("holds prompts rows (prompts only)"), prompts.getMessage());
  }
}
