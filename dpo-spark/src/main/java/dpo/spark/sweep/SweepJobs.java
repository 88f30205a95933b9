package dpo.spark.sweep;

import dpo.spark.SparkSessions;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Function1;
import scala.Function2;
import scala.collection.Iterator;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.BoxedUnit;

/** Runs cells as one Spark job, handing each partition's results to the driver as it finishes. */
public final class SweepJobs {
  private SweepJobs() {}

  /** What a task does: the cells of its partition, one after the other. */
  private interface PartitionFunction
      extends Function1<Iterator<SweepCell>, ArrayList<CellResult>>, Serializable {}

  /**
   * Computes the cells, {@code partitions} tasks of consecutive cells.
   *
   * @param spark the context
   * @param cells the cells
   * @param partitions the number of tasks (at most the number of cells)
   * @param done called on the driver, in one thread, with each result as its task finishes
   */
  public static void run(
      JavaSparkContext spark, List<SweepCell> cells, int partitions, Consumer<CellResult> done) {
    if (cells.isEmpty()) {
      return;
    }
    JavaRDD<SweepCell> rdd = spark.parallelize(cells, Math.min(partitions, cells.size()));
    PartitionFunction task =
        it -> {
          CellRunner runner = CellRunner.shared();
          ArrayList<CellResult> out = new ArrayList<>();
          while (it.hasNext()) {
            out.add(runner.run(it.next()));
          }
          return out;
        };
    Function2<Object, ArrayList<CellResult>, BoxedUnit> handler =
        (index, results) -> {
          results.forEach(done);
          return BoxedUnit.UNIT;
        };
    @SuppressWarnings("unchecked")
    ClassTag<ArrayList<CellResult>> tag =
        (ClassTag<ArrayList<CellResult>>) (ClassTag<?>) ClassTag$.MODULE$.apply(ArrayList.class);
    spark.sc().runJob(rdd.rdd(), task, handler, tag);
  }

  /**
   * Computes the cells in this thread, without Spark: the reference for Spark's overhead.
   *
   * @param cells the cells
   * @param done called with each result
   */
  public static void runHere(List<SweepCell> cells, Consumer<CellResult> done) {
    CellRunner runner = CellRunner.shared();
    for (SweepCell cell : cells) {
      done.accept(runner.run(cell));
    }
  }

  /**
   * Seconds the cells take as one Spark job on a master, one task per cell: the fastest of {@code
   * repeats} jobs after an untimed job of the same cells, in one context whose start is not timed.
   * Every cell must compute what it computed without Spark.
   *
   * @param master the master
   * @param repeats how many timed jobs
   * @param out the folder of Spark's log
   * @param cells the cells
   * @param reference the cells' results without Spark
   * @return the seconds of the timed job
   * @throws IllegalStateException if a cell's result differs from its reference
   */
  public static double timed(
      String master, Path out, List<SweepCell> cells, List<CellResult> reference, int repeats) {
    try (JavaSparkContext spark = SparkSessions.open(master, out, "dpo bench sweep", Map.of())) {
      // Warm-up: a whole untimed job, so that the JIT has compiled Spark's own code (scheduler,
      // serialization) too; on two cores its compiler threads would compete with the tasks.
      run(spark, cells, cells.size(), r -> {});
      Map<String, CellResult> results = new HashMap<>();
      double seconds = Double.POSITIVE_INFINITY;
      for (int i = 0; i < repeats; i++) {
        long t0 = System.nanoTime();
        run(spark, cells, cells.size(), r -> results.put(r.id(), r));
        seconds = Math.min(seconds, (System.nanoTime() - t0) / 1e9);
      }
      for (CellResult expected : reference) {
        CellResult got = results.get(expected.id());
        if (got == null || !Arrays.equals(got.paramDiff(), expected.paramDiff())) {
          throw new IllegalStateException(
              "cell " + expected.options() + " differs on " + master + " from its reference");
        }
      }
      return seconds;
    }
  }
}
