package dpo.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loop's batch order, step counts, schedule and metrics file, without a backend. */
class TrainingLoopTest {
  @TempDir Path dir;

  private static TrainingSettings settings(int steps, double epochs, int batch, long seed) {
    return new TrainingSettings(steps, epochs, batch, 1e-3, 2, 0, 1, 0, 0, seed);
  }

  @Test
  void everyEpochVisitsEveryExampleOnceInItsOwnOrder() {
    TrainingSettings s = settings(0, 2, 4, 7);
    TrainingLoop.BatchOrder order = new TrainingLoop.BatchOrder(s, 10);
    assertEquals(3, s.stepsPerEpoch(10));
    assertEquals(6, s.totalSteps(10));
    int[][] epochs = new int[2][];
    for (int e = 0; e < 2; e++) {
      int[] seen = new int[0];
      for (int k = 0; k < 3; k++) {
        int[] b = order.batch(3 * e + k);
        assertEquals(k < 2 ? 4 : 2, b.length, "the last batch of an epoch is the rest");
        int[] both = Arrays.copyOf(seen, seen.length + b.length);
        System.arraycopy(b, 0, both, seen.length, b.length);
        seen = both;
      }
      epochs[e] = seen.clone();
      Arrays.sort(seen);
      assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, seen);
    }
    assertNotEquals(Arrays.toString(epochs[0]), Arrays.toString(epochs[1]));
    // A step's batch depends on the seed and the step only (resume needs nothing else).
    TrainingLoop.BatchOrder fresh = new TrainingLoop.BatchOrder(s, 10);
    assertArrayEquals(order.batch(4), fresh.batch(4));
    assertEquals(4.0 / 3, order.epoch(4), 1e-12);
  }

  @Test
  void stepsOverrideEpochsAndTheScheduleEndsAtZero() {
    TrainingSettings s = settings(5, 3, 4, 0);
    assertEquals(5, s.totalSteps(100));
    assertEquals(1, settings(0, 0.01, 4, 0).totalSteps(10), "at least one step");
    var optimizer = s.trainerConfig(5);
    assertEquals(1e-3 / 3, optimizer.learningRateAt(0), 1e-15, "warm-up");
    assertEquals(1e-3, optimizer.learningRateAt(2), 1e-15, "peak after warm-up");
    assertEquals(0, optimizer.learningRateAt(5), 1e-15, "cosine to 0 at the last step");
  }

  @Test
  void settingsNameTheirField() {
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> settings(0, 0, 4, 0));
    assertEquals("epochs", e.violations().get(0).field());
    e = assertThrows(ConfigurationException.class, () -> settings(1, 1, 0, 0));
    assertEquals("batchSize", e.violations().get(0).field());
  }

  @Test
  void metricsAreReadBackUpToAStepAndACutLineIsDropped() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve(TrainingLoop.METRICS),
            "{\"step\":1,\"epoch\":0.5,\"loss\":2.0}\n"
                + "{\"step\":2,\"epoch\":1.0,\"loss\":1.5}\n"
                + "{\"step\":2,\"epoch\":1.0,\"eval_loss\":1.7}\n"
                + "{\"step\":3,\"epo");
    List<Map<String, Object>> rows = TrainingLoop.readMetrics(file, 2);
    assertEquals(3, rows.size());
    assertEquals(1.7, rows.get(2).get("eval_loss"));
    assertEquals(1, TrainingLoop.readMetrics(file, 1).size());
    assertTrue(TrainingLoop.readMetrics(dir.resolve("none.jsonl"), 5).isEmpty());
  }
}
