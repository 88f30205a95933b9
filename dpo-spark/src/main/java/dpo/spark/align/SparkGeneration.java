package dpo.spark.align;

import dpo.api.lm.LanguageModel;
import dpo.core.align.GenerationEngine;
import dpo.core.align.GenerationEngineProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * The {@code spark} generation engine: each round's drawing and scoring as one Spark job. The
 * driver saves the generator and the reference as checkpoint folders and broadcasts their bytes,
 * once per distinct model (the fixed reference once per run, the generator once per iteration, or
 * per round when generation follows the policy more often); the round's prompts are split into one
 * partition per task slot; each task borrows a worker of its executor ({@link Workers}: a backend
 * and an oracle, for a command oracle one process), loads the models from the broadcast bytes and
 * runs the local engine's code on its prompts; the records come back in the round's order. Every
 * draw is seeded per prompt, so the records equal the local engine's.
 */
public final class SparkGeneration implements GenerationEngine {
  /** The engine's id. */
  public static final String ID = "spark";

  private final JavaSparkContext spark;
  private final WorkerSetup setup;
  private final Path scratch;
  private final Map<String, Broadcast<CheckpointBytes>> broadcasts = new HashMap<>();

  /**
   * An engine on a running Spark context ({@link dpo.spark.SparkSessions#open}), which it stops on
   * {@link #close()}.
   *
   * @param spark the context
   * @param setup the backend and oracle every worker creates
   */
  public SparkGeneration(JavaSparkContext spark, GenerationEngineProvider.Setup setup) {
    this.spark = spark;
    this.setup = WorkerSetup.of(setup);
    try {
      this.scratch = Files.createTempDirectory("dpo-spark-checkpoints");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary folder", e);
    }
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public List<Generated> generate(LanguageModel generator, LanguageModel reference, Round round) {
    Broadcast<CheckpointBytes> g = broadcast(generator);
    Broadcast<CheckpointBytes> r = reference == generator ? g : broadcast(reference);
    dropAllBut(g, r);
    if (round.prompts().isEmpty()) {
      return List.of();
    }
    int partitions = Math.min(round.prompts().size(), spark.defaultParallelism());
    RoundSpec spec = RoundSpec.of(round);
    WorkerSetup worker = setup;
    List<GeneratedRow> rows =
        spark
            .parallelize(round.prompts(), partitions)
            .mapPartitions(
                (Iterator<PromptDraw> part) -> {
                  List<PromptDraw> prompts = new ArrayList<>();
                  part.forEachRemaining(prompts::add);
                  if (prompts.isEmpty()) {
                    return List.<GeneratedRow>of().iterator();
                  }
                  Workers.Worker w = Workers.borrow(worker);
                  try {
                    Path checkpoints = Path.of(SparkFiles.getRootDirectory(), "dpo-checkpoints");
                    return w
                        .generate(g.value(), r.value(), checkpoints, spec.round(prompts))
                        .stream()
                        .map(GeneratedRow::of)
                        .iterator();
                  } finally {
                    Workers.release(w);
                  }
                })
            .collect();
    return rows.stream().map(GeneratedRow::toGenerated).toList();
  }

  /**
   * The broadcast of a model's current checkpoint: the model is saved (cheap next to a round's
   * generation) and hashed, and its bytes are broadcast only if no live broadcast has that hash.
   */
  private Broadcast<CheckpointBytes> broadcast(LanguageModel model) {
    CheckpointBytes bytes =
        CheckpointBytes.of(model, scratch.resolve("model-" + System.nanoTime()));
    Broadcast<CheckpointBytes> b =
        broadcasts.computeIfAbsent(bytes.sha256(), sha -> spark.broadcast(bytes));
    return b;
  }

  /** Frees the broadcasts of models that no round needs any more (earlier policies). */
  private void dropAllBut(Broadcast<CheckpointBytes> g, Broadcast<CheckpointBytes> r) {
    broadcasts
        .values()
        .removeIf(
            b -> {
              if (b == g || b == r) {
                return false;
              }
              b.destroy();
              return true;
            });
  }

  /**
   * How many model checkpoints are broadcast now (at most two: the generator and the reference).
   *
   * @return the count
   */
  public int liveBroadcasts() {
    return broadcasts.size();
  }

  @Override
  public void close() {
    try {
      broadcasts.values().forEach(Broadcast::destroy);
      broadcasts.clear();
      spark.stop();
    } finally {
      // Under a local master the workers live in this JVM: their oracles' processes end here.
      Workers.closeAll();
      try {
        CheckpointBytes.delete(scratch);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete " + scratch, e);
      }
    }
  }
}
