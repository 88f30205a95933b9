package dpo.spark.align;

import dpo.api.backend.PolicyBackend;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LanguageModels;
import dpo.api.lm.Tokenizer;
import dpo.api.oracle.RewardOracle;
import dpo.core.DpoRuntime;
import dpo.core.align.AlignExperiment;
import dpo.core.align.GenerationEngine;
import dpo.core.align.LocalGeneration;
import dpo.core.registry.BackendFacets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The generation workers of one JVM (an executor, or the driver under a {@code local} master): one
 * per task that runs at a time, each with its own backend and oracle (oracles are not thread-safe,
 * and a command oracle is one process per worker), reused by later tasks and iterations. A worker
 * keeps the models of the last checkpoints it loaded, so that the partitions of one round load each
 * checkpoint once per worker.
 */
final class Workers {
  private static final Map<WorkerSetup, Deque<Worker>> IDLE = new HashMap<>();
  private static final List<Worker> ALL = new ArrayList<>();
  private static DpoRuntime runtime;
  private static boolean hooked;
  private static int created;

  private Workers() {}

  /** A free worker for a setup, created if none is free. */
  static synchronized Worker borrow(WorkerSetup setup) {
    Deque<Worker> idle = IDLE.computeIfAbsent(setup, s -> new ArrayDeque<>());
    if (!idle.isEmpty()) {
      return idle.pop();
    }
    if (!hooked) {
      // Executors end with their JVM: the oracles' processes end with them.
      Runtime.getRuntime().addShutdownHook(new Thread(Workers::closeAll, "dpo-spark-workers"));
      hooked = true;
    }
    Worker w = new Worker(runtime(), setup);
    ALL.add(w);
    created++;
    return w;
  }

  /** The providers on this JVM's class path, discovered once. */
  static synchronized DpoRuntime runtime() {
    if (runtime == null) {
      runtime = DpoRuntime.builder().build();
    }
    return runtime;
  }

  /** Gives a worker back for the next task of its setup. */
  static synchronized void release(Worker w) {
    IDLE.computeIfAbsent(w.setup, s -> new ArrayDeque<>()).push(w);
  }

  /** Closes every worker of this JVM (their models, oracles and backends). */
  static synchronized void closeAll() {
    for (Worker w : ALL) {
      w.close();
    }
    ALL.clear();
    IDLE.clear();
  }

  /** How many workers this JVM holds; for tests. */
  static synchronized int count() {
    return ALL.size();
  }

  /** How many workers this JVM ever created; for tests (none on a driver of a cluster). */
  static synchronized int created() {
    return created;
  }

  /** A backend, its language models and an oracle, and the last checkpoints loaded. */
  static final class Worker implements AutoCloseable {
    final WorkerSetup setup;
    private final PolicyBackend backend;
    private final LanguageModels lm;
    private final RewardOracle oracle;
    private final Map<String, LanguageModel> models = new HashMap<>();
    private Tokenizer tokenizer;
    private String tokenizerSha;

    Worker(DpoRuntime runtime, WorkerSetup setup) {
      this.setup = setup;
      this.backend = runtime.backends().get(setup.backend()).create(setup.backendConfig());
      try {
        this.lm = new BackendFacets(runtime.backends()).languageModels(backend);
        this.oracle =
            AlignExperiment.oracle(
                runtime, setup.oracle(), setup.oracleOptions(), setup.oracleSeed());
      } catch (RuntimeException e) {
        backend.close();
        throw e;
      }
    }

    /**
     * Draws and scores some prompts of a round: the local engine's code, over the models loaded
     * from the broadcast checkpoints.
     */
    List<GenerationEngine.Generated> generate(
        CheckpointBytes generator,
        CheckpointBytes reference,
        Path checkpoints,
        GenerationEngine.Round round) {
      keepOnly(generator.sha256(), reference.sha256());
      LanguageModel g = load(generator, checkpoints);
      LanguageModel r = load(reference, checkpoints);
      if (!generator.sha256().equals(tokenizerSha)) {
        tokenizer = lm.loadTokenizer(generator.materialise(checkpoints));
        tokenizerSha = generator.sha256();
      }
      return new LocalGeneration(lm, tokenizer, oracle).generate(g, r, round);
    }

    private LanguageModel load(CheckpointBytes bytes, Path checkpoints) {
      LanguageModel m = models.get(bytes.sha256());
      if (m == null) {
        m = lm.loadLanguageModel(bytes.materialise(checkpoints));
        models.put(bytes.sha256(), m);
      }
      return m;
    }

    /** Closes the models of earlier rounds. */
    private void keepOnly(String a, String b) {
      models
          .entrySet()
          .removeIf(
              e -> {
                if (e.getKey().equals(a) || e.getKey().equals(b)) {
                  return false;
                }
                e.getValue().close();
                return true;
              });
    }

    @Override
    public void close() {
      try {
        models.values().forEach(LanguageModel::close);
        models.clear();
        oracle.close();
      } finally {
        backend.close();
      }
    }
  }
}
