package dpo.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparkSessionsTest {
  @TempDir Path tmp;

  private static int squares(JavaSparkContext spark) {
    return spark.parallelize(List.of(1, 2, 3, 4, 5, 6), 3).map(x -> x * x).reduce(Integer::sum);
  }

  @Test
  void localMasterRunsJobsAndLogsToTheOutputFolder() throws Exception {
    Path out = tmp.resolve("out");
    Files.createDirectories(out);
    try (JavaSparkContext spark = SparkSessions.open("local[2]", out, "test", Map.of())) {
      assertEquals(91, squares(spark));
      assertEquals("false", spark.getConf().get("spark.ui.enabled"));
      assertEquals("127.0.0.1", spark.getConf().get("spark.driver.bindAddress"));
      assertTrue(spark.sc().uiWebUrl().isEmpty(), "no web UI");
    }
    String log = Files.readString(out.resolve(SparkSessions.LOG_FILE));
    assertTrue(log.contains("SparkContext"), log);
  }

  @Test
  void standaloneClusterOnLoopbackRunsTheSameJob() throws Exception {
    Path out = tmp.resolve("out");
    Files.createDirectories(out);
    try (LocalStandaloneCluster cluster = LocalStandaloneCluster.start(tmp.resolve("work"), 2);
        JavaSparkContext spark =
            SparkSessions.open(cluster.masterUrl(), out, "test", cluster.executorSettings())) {
      assertTrue(cluster.masterUrl().startsWith("spark://127.0.0.1:"), cluster.masterUrl());
      assertEquals(91, squares(spark));
    }
  }
}
