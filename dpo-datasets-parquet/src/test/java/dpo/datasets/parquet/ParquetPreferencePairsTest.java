package dpo.datasets.parquet;

import static dpo.datasets.parquet.ParquetFiles.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.BadDataException;
import dpo.api.data.PreferencePair;
import dpo.datasets.format.DatasetReader;
import dpo.datasets.format.Datasets;
import dpo.datasets.io.RowSources;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The preference pairs of Parquet files, found through the RowSourceProvider of this module. Both
 * fixtures hold a null in their third row, which stops the reading there, naming the row group, row
 * and field.
 */
class ParquetPreferencePairsTest {
  @TempDir Path dir;

  /** "chosen > rejected" of each pair before the bad row; the bad row's message last. */
  private static List<String> pairs(Path file) {
    List<String> out = new ArrayList<>();
    BadDataException e =
        assertThrows(
            BadDataException.class,
            () -> {
              try (DatasetReader<PreferencePair> r =
                  Datasets.preferencePairs(file, null, RowSources.DEFAULT_MAX_ROW_CHARS)) {
                r.forEachRemaining(p -> out.add(p.chosen().text() + " > " + p.rejected().text()));
              }
            });
    out.add(e.getMessage());
    return out;
  }

  @Test
  void readsTrlParquetPairs() throws IOException {
    List<String> trl = pairs(fixture("trl-preference.zstd.parquet", dir));
    assertEquals(3, trl.size());
    // Conversations are read as rendered text, one "role: content" line per message.
    assertEquals("user: 2+2?\nassistant: 4 > user: 2+2?\nassistant: 5", trl.get(0));
    assertTrue(trl.get(2).contains("(row group 1, row 2, rejected): the field is null"));
  }

  @Test
  void readsPkuParquetHelpfulnessPairs() throws IOException {
    List<String> pku = pairs(fixture("pku-saferlhf.snappy.parquet", dir));
    assertEquals(3, pku.size());
    assertTrue(pku.get(2).contains("(row group 0, row 2, is_response_0_safe)"), pku.get(2));
  }
}
