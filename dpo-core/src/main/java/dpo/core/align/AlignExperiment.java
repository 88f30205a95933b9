package dpo.core.align;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dpo.api.ConfigurationException;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.io.DurableFiles;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LanguageModels;
import dpo.api.lm.LmTrainer;
import dpo.api.lm.LoraConfig;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.Tokenizer;
import dpo.api.lm.TrainerConfig;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.api.oracle.OracleConfig;
import dpo.api.oracle.RewardOracle;
import dpo.api.sampler.GenerationPlan;
import dpo.api.sampler.Sampler;
import dpo.core.DpoRuntime;
import dpo.core.lm.TrainingRuns;
import dpo.core.provenance.Provenance;
import dpo.core.provenance.RunRecord;
import dpo.core.registry.BackendFacets;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/**
 * The online DPO comparison (docs/method.md §4): for each seed and sampler, the iterative loop
 * ({@link OnlineDpoLoop}) from one initial model, evaluated against it. Runs from Java without the
 * command line; {@code dpo align} only parses options into a {@link Config}, runs this and renders
 * the {@link Result}.
 *
 * <p>Resume: each run folder records a fingerprint of everything that changes its numbers: the
 * whole effective configuration as canonical JSON, the SHA-256 of the initial model's files and
 * tokenizer, the oracle id and options, the backend, the reference (SFT) settings, the loop's
 * settings and the prompts. A rerun with any of them changed is refused instead of mixing two
 * setups. The SFT cache under {@code OUT/sft/} is keyed the same way.
 */
public final class AlignExperiment {
  private static final ObjectMapper CANONICAL =
      JsonMapper.builder()
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .enable(com.fasterxml.jackson.databind.MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .build();

  /** The folder under {@code runs/} of the shared first iterations. */
  public static final String SHARED = "shared-iteration-1";

  private final DpoRuntime runtime;

  /**
   * An experiment over the given providers.
   *
   * @param runtime the providers (backends, samplers, objectives, oracles)
   */
  @Inject
  public AlignExperiment(DpoRuntime runtime) {
    this.runtime = runtime;
  }

  /**
   * The experiment's settings.
   *
   * @param samplers sampler ids
   * @param objective objective id
   * @param beta the KL coefficient
   * @param backend backend id (with language models)
   * @param backendConfig the backend's settings (threads, device)
   * @param oracle oracle id
   * @param oracleOptions the oracle's options
   * @param seeds how many seeds
   * @param firstSeed the first seed; the others follow
   * @param loop the loop's settings (its seed is replaced by each run's)
   * @param reference where each seed's initial model comes from
   * @param stopAfter stop every run after this iteration, as if killed (0: never; tests resume)
   * @param lora low-rank adapters trained on the initial model instead of every weight, or null for
   *     none: each run's policy is the initial model with fresh adapters, its reference and its
   *     view of the initial model are the policy with the adapters off (one copy of the weights),
   *     and every checkpoint is a PEFT adapter folder naming the initial model's folder
   * @param engine where each iteration's generation and scoring run (the results do not depend on
   *     it)
   * @param sharedFirstIteration a sampler id whose iteration 1 is run once per seed and continued
   *     by every sampler (the paper's protocol: on-policy), or null for none: each sampler runs
   *     every iteration itself
   * @param samplerOptions per sampler id, the sampler's options by name ({@link
   *     dpo.api.sampler.SamplerProvider#create(Map)}); samplers not named take their defaults
   */
  public record Config(
      List<String> samplers,
      String objective,
      double beta,
      String backend,
      BackendConfig backendConfig,
      String oracle,
      Map<String, String> oracleOptions,
      int seeds,
      long firstSeed,
      AlignConfig loop,
      Reference reference,
      int stopAfter,
      LoraConfig lora,
      Engine engine,
      String sharedFirstIteration,
      Map<String, Map<String, String>> samplerOptions) {
    /** Checks the counts and copies the collections. */
    public Config {
      Objects.requireNonNull(engine, "engine");
      samplers = List.copyOf(samplers);
      oracleOptions = new TreeMap<>(oracleOptions);
      Map<String, Map<String, String>> copy = new TreeMap<>();
      samplerOptions.forEach((id, o) -> copy.put(id, new TreeMap<>(o)));
      samplerOptions = copy;
      if (seeds < 1) {
        throw new ConfigurationException("seeds", "seeds must be >= 1, got " + seeds);
      }
      if (stopAfter < 0) {
        throw new ConfigurationException("stopAfter", "stopAfter must be >= 0, got " + stopAfter);
      }
      OnlineDpoLoop.checkLora(loop, lora);
    }
  }

  /**
   * Where each iteration's generation and oracle scoring run ({@link GenerationEngine}).
   *
   * @param id {@code local} (this JVM) or the id of a {@link GenerationEngineProvider} on the class
   *     path, such as {@code spark}
   * @param master where that engine runs (for spark: {@code local[N]}, {@code local[*]} or {@code
   *     spark://HOST:PORT}); null for its default, always null for {@code local}
   * @param distribute what the engine distributes: {@value #GENERATION} (each iteration's
   *     generation and scoring, training on this JVM) or {@value #RUNS} (whole runs, one seed and
   *     sampler each, as parallel tasks of a {@link RunDistributor}; only with an engine other than
   *     {@code local})
   */
  public record Engine(String id, String master, String distribute)
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** Distribute each iteration's generation and scoring. */
    public static final String GENERATION = "generation";

    /** Distribute whole runs. */
    public static final String RUNS = "runs";

    /** Generation and scoring in this JVM. */
    public static final Engine LOCAL = new Engine(LocalGeneration.ID, null, GENERATION);

    /** Checks that {@code local} has no master and distributes nothing. */
    public Engine {
      if (id == null || id.isBlank()) {
        throw new ConfigurationException("engine", "engine must be local or an engine id");
      }
      if (id.equals(LocalGeneration.ID) && master != null) {
        throw new ConfigurationException(
            "master", "master applies to a distributed engine (spark), not to local");
      }
      if (!GENERATION.equals(distribute) && !RUNS.equals(distribute)) {
        throw new ConfigurationException(
            "distribute",
            "distribute must be " + GENERATION + " or " + RUNS + ", got '" + distribute + "'");
      }
      if (id.equals(LocalGeneration.ID) && distribute.equals(RUNS)) {
        throw new ConfigurationException(
            "distribute",
            "distribute runs needs a distributed engine (spark); the local engine runs every run"
                + " here");
      }
    }

    /**
     * Whether whole runs are distributed.
     *
     * @return true for {@value #RUNS}
     */
    public boolean distributesRuns() {
      return distribute.equals(RUNS);
    }
  }

  /**
   * Where each seed's initial model (the reference) comes from. Serialisable (for the tasks of a
   * {@link RunDistributor}) when a supervised reference's tokenizer is.
   */
  public sealed interface Reference extends java.io.Serializable {
    /**
     * A checkpoint folder (model files and tokenizer.json), the same for every seed.
     *
     * @param model the folder
     */
    record Checkpoint(Path model) implements Reference {
      private Object writeReplace() {
        return new SerialReference(model.toString(), null, 0, 0, 0, null, null, null, null);
      }
    }

    /**
     * A fresh model trained per seed by supervised fine-tuning on demonstrations; cached under
     * {@code OUT/sft/} by a key over these settings, the data and the backend.
     *
     * @param shape the model's shape: a GPT-2 of this shape, or with {@code architecture} only its
     *     vocabulary and context count (the preset gives the rest)
     * @param steps supervised steps
     * @param learningRate AdamW learning rate
     * @param batch demonstrations per step
     * @param tokenizer the tokenizer of the model
     * @param tokenizerJson the tokenizer as a Hugging Face tokenizer.json, stored beside the model
     * @param architecture an architecture of the backend's {@link LanguageModels#presets()} (e.g.
     *     {@code llama}), or null for a GPT-2 of {@code shape}
     * @param preset its preset (e.g. {@code tiny}), or null without {@code architecture}
     */
    record Supervised(
        ModelConfig shape,
        int steps,
        double learningRate,
        int batch,
        @JsonIgnore Tokenizer tokenizer,
        @JsonIgnore byte[] tokenizerJson,
        String architecture,
        String preset)
        implements Reference {
      private Object writeReplace() {
        return new SerialReference(
            null,
            new int[] {
              shape.vocabularySize(),
              shape.width(),
              shape.layers(),
              shape.heads(),
              shape.contextLength()
            },
            steps,
            learningRate,
            batch,
            tokenizer,
            tokenizerJson,
            architecture,
            preset);
      }

      /** Checks that a preset comes with its architecture. */
      public Supervised {
        if ((architecture == null) != (preset == null)) {
          throw new ConfigurationException(
              "preset", "give an architecture with its preset (e.g. llama and tiny), or neither");
        }
      }

      /**
       * A GPT-2 of the given shape.
       *
       * @param shape the model's shape
       * @param steps supervised steps
       * @param learningRate AdamW learning rate
       * @param batch demonstrations per step
       * @param tokenizer the tokenizer of the model
       * @param tokenizerJson the tokenizer as a Hugging Face tokenizer.json
       */
      public Supervised(
          ModelConfig shape,
          int steps,
          double learningRate,
          int batch,
          Tokenizer tokenizer,
          byte[] tokenizerJson) {
        this(shape, steps, learningRate, batch, tokenizer, tokenizerJson, null, null);
      }
    }
  }

  /** The serialised form of a {@link Reference}: a path as text, a shape as its numbers. */
  private record SerialReference(
      String model,
      int[] shape,
      int steps,
      double learningRate,
      int batch,
      Tokenizer tokenizer,
      byte[] tokenizerJson,
      String architecture,
      String preset)
      implements java.io.Serializable {
    private Object readResolve() {
      return model != null
          ? new Reference.Checkpoint(Path.of(model))
          : new Reference.Supervised(
              new ModelConfig(shape[0], shape[1], shape[2], shape[3], shape[4]),
              steps,
              learningRate,
              batch,
              tokenizer,
              tokenizerJson,
              architecture,
              preset);
    }
  }

  /** A (prompt, response) demonstration for supervised fine-tuning. */
  public record Demonstration(String prompt, String response) {}

  /** The data of each seed: prompts, and demonstrations for a {@link Reference.Supervised}. */
  public interface Inputs {
    /**
     * What the data is (a task id and its settings, or a file and its hash), for the record and the
     * fingerprint.
     *
     * @return the description
     */
    String id();

    /**
     * Training prompts of a seed.
     *
     * @param seed the seed
     * @return the prompts
     */
    List<Prompt> train(long seed);

    /**
     * Evaluation prompts of a seed.
     *
     * @param seed the seed
     * @return the prompts
     */
    List<Prompt> test(long seed);

    /**
     * Demonstrations of a seed, for a supervised reference.
     *
     * @param seed the seed
     * @return the demonstrations
     */
    default List<Demonstration> demonstrations(long seed) {
      return List.of();
    }
  }

  /** Progress of the whole experiment. */
  public interface Progress extends AlignProgress {
    /**
     * A run (sampler, seed) starts.
     *
     * @param name e.g. "mix-p seed 1"
     */
    default void startRun(String name) {}

    /**
     * A run ended.
     *
     * @param summary one line
     */
    default void endRun(String summary) {}
  }

  /**
   * The outcome.
   *
   * @param evaluations per sampler, per seed, the evaluations of iterations 0..N
   * @param complete false if the runs were stopped early ({@code stopAfter})
   * @param record the provenance (finished)
   */
  public record Result(
      Map<String, List<List<Evaluation>>> evaluations, boolean complete, RunRecord record) {}

  /**
   * Runs (or resumes) the experiment into a folder.
   *
   * @param config the settings
   * @param inputs the data
   * @param out the output folder (claimed by the caller); runs go to {@code runs/}, the SFT cache
   *     to {@code sft/}
   * @param progress progress reports
   * @return the result
   */
  public Result run(Config config, Inputs inputs, Path out, Progress progress) {
    Instant started = Instant.now();
    PolicyBackendProvider backendProvider = runtime.backends().get(config.backend());
    Objective objective =
        runtime.objectives().get(config.objective()).create(ObjectiveConfig.ofBeta(config.beta()));
    Map<String, Sampler> chosen = samplers(config);
    Map<String, List<List<Evaluation>>> results = new LinkedHashMap<>();
    RunRecord.Device device;
    List<RunRecord.Input> recordInputs = new ArrayList<>();
    Map<Long, Path> initials = new LinkedHashMap<>();
    try (PolicyBackend backend = backendProvider.create(config.backendConfig());
        RewardOracle scorer = oracle(config);
        GenerationEngine distributed = distributedEngine(config, out)) {
      device = RunRecord.Device.of(backend.device());
      LanguageModels lm = new BackendFacets(runtime.backends()).languageModels(backend);
      if (config.reference() instanceof Reference.Supervised sft && sft.architecture() != null) {
        TrainingRuns.checkPreset(lm, sft.architecture(), sft.preset());
      }
      for (int s = 0; s < config.seeds(); s++) {
        long seed = config.firstSeed() + s;
        List<Prompt> train = inputs.train(seed);
        List<Prompt> test = inputs.test(seed);
        // With adapters each run loads its policy from the initial model's folder (the loop adds
        // the adapters to it), so no model is held here.
        Initial initial = initial(config, inputs, lm, out, seed, config.lora() == null, null);
        recordInputs.add(
            new RunRecord.Input(
                "initial model, seed " + seed, initial.source().toString(), initial.hash()));
        String setup = setupFingerprint(config, inputs, initial.hash());
        try (LanguageModel model = initial.model()) {
          GenerationEngine engine =
              distributed != null
                  ? distributed
                  : new LocalGeneration(lm, initial.tokenizer(), scorer);
          Path shared = null;
          if (config.sharedFirstIteration() != null) {
            // The paper's protocol: iteration 1 once per seed, every sampler continues from it.
            String id = config.sharedFirstIteration();
            Sampler first = sampler(config, id);
            progress.startRun(id + " iteration 1, shared, seed " + seed);
            shared = sharedFolder(out, seed);
            OnlineDpoLoop loop =
                new OnlineDpoLoop(
                    lm,
                    initial.tokenizer(),
                    scorer,
                    engine,
                    first,
                    objective,
                    config.loop().withSeed(seed).forSampler(first),
                    config.lora(),
                    progress);
            // From the model held in memory or, with adapters (no model held), from its folder.
            loop.run(model, initial.source(), train, test, shared, 1, setup, null);
            recordCheckpoints(shared, runRecord(config, started, device, seed, initial, inputs));
            progress.endRun(id + " iteration 1, shared, seed " + seed);
          }
          if (config.engine().distributesRuns()) {
            // The samplers' runs are tasks of the distributor, after every seed's start is made.
            initials.put(seed, initial.source());
            continue;
          }
          for (Map.Entry<String, Sampler> e : chosen.entrySet()) {
            List<Evaluation> evals =
                runSampler(
                    config,
                    out,
                    seed,
                    e.getKey(),
                    e.getValue(),
                    new Run(lm, initial, scorer, engine, objective, model, setup, shared),
                    train,
                    test,
                    runRecord(config, started, device, seed, initial, inputs),
                    progress);
            results.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(evals);
          }
        }
      }
    }
    if (config.engine().distributesRuns()) {
      distributeRuns(config, inputs, out, initials, progress, results);
    }
    // What the data is, and so what a seed changes (the prompts, or only the draws).
    recordInputs.add(new RunRecord.Input("prompts", inputs.id(), null));
    boolean complete = config.stopAfter() == 0 || config.stopAfter() >= config.loop().iterations();
    RunRecord record =
        RunRecord.start("align", started, config, providers(config), device, recordInputs)
            .finish(Instant.now(), null);
    return new Result(results, complete, record);
  }

  /**
   * Checks what can be checked before anything is written: the providers exist and every sampler
   * can run on a language model.
   *
   * @param config the settings
   */
  public void check(Config config) {
    runtime.backends().get(config.backend());
    runtime.objectives().get(config.objective());
    runtime.oracles().get(config.oracle());
    samplers(config);
    if (config.engine().distributesRuns()) {
      runDistributor(config.engine().id());
    } else if (!config.engine().id().equals(LocalGeneration.ID)) {
      engineProvider(config.engine().id());
    }
  }

  /**
   * The engine of every run when it is not {@code local}: one for the whole experiment (a Spark
   * session, say), its logs under {@code out}; null for {@code local}, which each seed creates over
   * its own tokenizer.
   */
  private static GenerationEngine distributedEngine(Config config, Path out) {
    if (config.engine().id().equals(LocalGeneration.ID) || config.engine().distributesRuns()) {
      // With runs distributed, only the seeds' shared first iterations generate here.
      return null;
    }
    return engineProvider(config.engine().id()).create(engineSetup(config, out));
  }

  private static GenerationEngineProvider.Setup engineSetup(Config config, Path out) {
    return new GenerationEngineProvider.Setup(
        config.backend(),
        config.backendConfig(),
        config.oracle(),
        config.oracleOptions(),
        config.firstSeed(),
        config.engine().master(),
        out);
  }

  /**
   * The (seed, sampler) runs as tasks of the engine's {@link RunDistributor}, each reported as its
   * task ends; then every run folder must be there and finished, and its evaluations are the result
   * (runs finished before, which were not submitted, are reported then).
   */
  private static void distributeRuns(
      Config config,
      Inputs inputs,
      Path out,
      Map<Long, Path> initials,
      Progress progress,
      Map<String, List<List<Evaluation>>> results) {
    Path abs = out.toAbsolutePath();
    progress.startRun(
        config.samplers().size() * config.seeds() + " runs as tasks of " + config.engine().id());
    Set<String> reported = new HashSet<>();
    // Called by the distributor (any thread) as a task ends, and here afterwards: once per run.
    BiConsumer<Long, String> report =
        (seed, sampler) -> {
          synchronized (reported) {
            if (!reported.contains(sampler + "/" + seed)) {
              finishedRun(config, abs, sampler, seed)
                  .ifPresent(
                      evals -> {
                        reported.add(sampler + "/" + seed);
                        progress.endRun(runSummary(sampler, seed, evals));
                      });
            }
          }
        };
    runDistributor(config.engine().id())
        .runAll(engineSetup(config, abs), config, inputs, abs, initials, report);
    for (long seed : initials.keySet()) {
      for (String sampler : config.samplers()) {
        Path dir = runFolder(abs, sampler, seed);
        List<Evaluation> evals =
            finishedRun(config, abs, sampler, seed)
                .orElseThrow(
                    () ->
                        new ConfigurationException(
                            "out",
                            dir
                                + " is missing or unfinished after the "
                                + config.engine().id()
                                + " job; with a cluster master --out must be a folder that the"
                                + " driver and every worker share (the same path on each), e.g."
                                + " an NFS mount"));
        results.computeIfAbsent(sampler, k -> new ArrayList<>()).add(evals);
        report.accept(seed, sampler);
      }
    }
  }

  /** A finished run's progress line: "SAMPLER seed S: reward FIRST -> LAST". */
  private static String runSummary(String sampler, long seed, List<Evaluation> evals) {
    return String.format(
        java.util.Locale.ROOT,
        "%s seed %d: reward %.3f -> %.3f",
        sampler,
        seed,
        evals.get(0).reward(),
        evals.get(evals.size() - 1).reward());
  }

  /** The distributor of an engine id, or the reason it cannot run here. */
  private static RunDistributor runDistributor(String id) {
    List<String> ids = new ArrayList<>();
    for (RunDistributor d : ServiceLoader.load(RunDistributor.class)) {
      if (d.id().equals(id)) {
        return d;
      }
      ids.add(d.id());
    }
    engineProvider(id);
    throw new ConfigurationException(
        "distribute",
        "engine '"
            + id
            + "' cannot distribute whole runs; engines that can: "
            + (ids.isEmpty() ? "none on the class path" : String.join(", ", ids)));
  }

  /**
   * The folder of one run.
   *
   * @param out the experiment's output folder
   * @param sampler the sampler id
   * @param seed the seed
   * @return {@code out/runs/SAMPLER/seed-SEED}
   */
  public static Path runFolder(Path out, String sampler, long seed) {
    return out.resolve("runs").resolve(sampler).resolve("seed-" + seed);
  }

  /**
   * The evaluations of a finished run, as {@link #run} returns them when it resumes it; empty when
   * the run is not finished. A run that stops within the shared first iteration of the paper's
   * protocol ({@code stopAfter} 1) has only that iteration's folder.
   *
   * @param config the settings
   * @param out the output folder
   * @param sampler the sampler id
   * @param seed the seed
   * @return the evaluations, or empty
   */
  public static Optional<List<Evaluation>> finishedRun(
      Config config, Path out, String sampler, long seed) {
    int last = lastIteration(config);
    Optional<List<Evaluation>> own = OnlineDpoLoop.finished(runFolder(out, sampler, seed), last);
    if (own.isPresent() || config.sharedFirstIteration() == null || last > 1) {
      return own;
    }
    return OnlineDpoLoop.finished(sharedFolder(out, seed), last);
  }

  /**
   * The last iteration every run finishes: the loop's, or {@code stopAfter} when that is set.
   *
   * @param config the settings
   * @return the iteration
   */
  public static int lastIteration(Config config) {
    return config.stopAfter() > 0 ? config.stopAfter() : config.loop().iterations();
  }

  /**
   * Runs (or resumes) one run, one seed and one sampler, into its folder under {@code out}, as the
   * local path does; what each task of a {@link RunDistributor} calls where it runs. The seed's
   * initial model (for a supervised reference, its cached folder under {@code out/sft}) and the
   * shared first iteration of the paper's protocol must have been made before by {@link #run}.
   *
   * @param config the settings
   * @param inputs the data
   * @param out the output folder
   * @param seed the seed
   * @param samplerId the sampler
   * @param copy a folder with the same files as the seed's initial model, to load it from instead
   *     of its own folder, or null (with adapters the run reads its own folder: the adapter
   *     checkpoints name it)
   * @param progress progress reports
   * @return the evaluations of iterations 0 to the last
   */
  public List<Evaluation> runOne(
      Config config,
      Inputs inputs,
      Path out,
      long seed,
      String samplerId,
      Path copy,
      Progress progress) {
    Instant started = Instant.now();
    Objective objective =
        runtime.objectives().get(config.objective()).create(ObjectiveConfig.ofBeta(config.beta()));
    Sampler sampler = sampler(config, samplerId);
    try (PolicyBackend backend =
            runtime.backends().get(config.backend()).create(config.backendConfig());
        RewardOracle scorer = oracle(config)) {
      RunRecord.Device device = RunRecord.Device.of(backend.device());
      LanguageModels lm = new BackendFacets(runtime.backends()).languageModels(backend);
      Initial initial = initial(config, inputs, lm, out, seed, config.lora() == null, copy);
      String setup = setupFingerprint(config, inputs, initial.hash());
      Path shared = config.sharedFirstIteration() == null ? null : sharedFolder(out, seed);
      try (LanguageModel model = initial.model()) {
        return runSampler(
            config,
            out,
            seed,
            samplerId,
            sampler,
            new Run(
                lm,
                initial,
                scorer,
                new LocalGeneration(lm, initial.tokenizer(), scorer),
                objective,
                model,
                setup,
                shared),
            inputs.train(seed),
            inputs.test(seed),
            runRecord(config, started, device, seed, initial, inputs),
            progress);
      }
    }
  }

  private static Path sharedFolder(Path out, long seed) {
    return out.resolve("runs").resolve(SHARED).resolve("seed-" + seed);
  }

  /** What the runs of one seed share. */
  private record Run(
      LanguageModels lm,
      Initial initial,
      RewardOracle scorer,
      GenerationEngine engine,
      Objective objective,
      LanguageModel model,
      String setup,
      Path shared) {}

  /** One sampler's run of a seed, its checkpoints recorded. */
  private static List<Evaluation> runSampler(
      Config config,
      Path out,
      long seed,
      String samplerId,
      Sampler sampler,
      Run run,
      List<Prompt> train,
      List<Prompt> test,
      RunRecord record,
      Progress progress) {
    String name = samplerId + " seed " + seed;
    progress.startRun(name);
    OnlineDpoLoop loop =
        new OnlineDpoLoop(
            run.lm(),
            run.initial().tokenizer(),
            run.scorer(),
            run.engine(),
            sampler,
            run.objective(),
            config.loop().withSeed(seed).forSampler(sampler),
            config.lora(),
            progress);
    Path dir = runFolder(out, samplerId, seed);
    List<Evaluation> evals =
        loop.run(
            run.model(),
            run.initial().source(),
            train,
            test,
            dir,
            lastIteration(config),
            run.setup(),
            run.shared());
    recordCheckpoints(dir, record);
    progress.endRun(runSummary(samplerId, seed, evals));
    return evals;
  }

  /** The provider of an engine id, or the reason it cannot run here. */
  private static GenerationEngineProvider engineProvider(String id) {
    List<String> ids = new ArrayList<>(List.of(LocalGeneration.ID));
    for (GenerationEngineProvider p : ServiceLoader.load(GenerationEngineProvider.class)) {
      if (p.id().equals(id)) {
        return p;
      }
      ids.add(p.id());
    }
    if (id.equals("spark")) {
      throw new ConfigurationException(
          "engine",
          "the spark engine needs the dpo-spark module, which is not on the class path; the dpo"
              + " launcher adds it (dpo-spark/target/dpo-spark.jar and dpo-spark/target/lib/*),"
              + " or use the local engine");
    }
    throw new ConfigurationException(
        "engine", "unknown engine '" + id + "'; engines here: " + String.join(", ", ids));
  }

  /** The provenance of a run's checkpoints. */
  private RunRecord runRecord(
      Config config,
      Instant started,
      RunRecord.Device device,
      long seed,
      Initial initial,
      Inputs inputs) {
    return RunRecord.start(
        "align",
        started,
        config,
        providers(config),
        device,
        List.of(
            new RunRecord.Input(
                "initial model, seed " + seed, initial.source().toString(), initial.hash()),
            new RunRecord.Input("prompts", inputs.id(), null)));
  }

  /** Stores the provenance beside every checkpoint of a run that does not have it yet. */
  private static void recordCheckpoints(Path run, RunRecord record) {
    Path checkpoints = run.resolve(OnlineDpoLoop.CHECKPOINTS);
    if (!Files.isDirectory(checkpoints)) {
      return;
    }
    try (Stream<Path> dirs = Files.list(checkpoints)) {
      for (Path dir : dirs.filter(Files::isDirectory).toList()) {
        if (!Files.exists(dir.resolve(RunRecord.FILE))) {
          record.writeTo(dir);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + checkpoints + " (" + e.getMessage() + ")", e);
    }
  }

  /** The samplers, each refused with the exact reason when it cannot run on a language model. */
  private Map<String, Sampler> samplers(Config config) {
    for (String id : config.samplerOptions().keySet()) {
      if (!config.samplers().contains(id) && !id.equals(config.sharedFirstIteration())) {
        throw new ConfigurationException(
            "sampler." + id,
            "options for sampler '"
                + id
                + "', which does not run; samplers: "
                + String.join(", ", config.samplers()));
      }
    }
    Map<String, Sampler> chosen = new LinkedHashMap<>();
    for (String id : config.samplers()) {
      chosen.put(id, sampler(config, id));
    }
    if (config.sharedFirstIteration() != null) {
      sampler(config, config.sharedFirstIteration());
    }
    return chosen;
  }

  /** A sampler, refused with the exact reason when it cannot run on a language model. */
  private Sampler sampler(Config config, String id) {
    Sampler s;
    try {
      s = runtime.samplers().get(id).create(config.samplerOptions().getOrDefault(id, Map.of()));
    } catch (ConfigurationException e) {
      throw new ConfigurationException(
          e.violations().stream()
              .map(
                  v ->
                      new ConfigurationException.Violation(
                          "sampler." + id + "." + v.field(), v.message()))
              .toList());
    }
    Optional<String> refusal = GenerationPlan.refusal(s, config.beta());
    if (refusal.isPresent()) {
      List<String> runnable =
          runtime.samplers().ids().stream()
              .filter(
                  other ->
                      GenerationPlan.supports(
                          runtime.samplers().get(other).create(), config.beta()))
              .toList();
      throw new ConfigurationException(
          "samplers",
          "sampler '"
              + id
              + "' cannot run on a"
              + " language model: "
              + refusal.get()
              + "; samplers that can: "
              + String.join(", ", runnable));
    }
    return s;
  }

  /** The oracle; its option errors name the option as {@code oracle.NAME}. */
  private RewardOracle oracle(Config config) {
    return oracle(runtime, config.oracle(), config.oracleOptions(), config.firstSeed());
  }

  /**
   * Creates an oracle; its option errors name the option as {@code oracle.NAME}. Also what each
   * worker of a distributed generation engine scores with.
   *
   * @param runtime the providers
   * @param id the oracle id
   * @param options its options
   * @param seed its seed
   * @return the oracle, which the caller closes
   */
  public static RewardOracle oracle(
      DpoRuntime runtime, String id, Map<String, String> options, long seed) {
    try {
      return runtime.oracles().get(id).create(new OracleConfig(seed, options));
    } catch (ConfigurationException e) {
      throw new ConfigurationException(
          e.violations().stream()
              .map(v -> new ConfigurationException.Violation("oracle." + v.field(), v.message()))
              .toList());
    }
  }

  private RunRecord.Providers providers(Config config) {
    List<RunRecord.ProviderInfo> samplers = new ArrayList<>();
    for (String id : config.samplers()) {
      samplers.add(RunRecord.ProviderInfo.of(runtime.samplers().get(id)));
    }
    return new RunRecord.Providers(
        RunRecord.ProviderInfo.of(runtime.backends().get(config.backend())),
        RunRecord.ProviderInfo.of(runtime.objectives().get(config.objective())),
        RunRecord.ProviderInfo.of(runtime.oracles().get(config.oracle())),
        samplers);
  }

  /**
   * A seed's initial model (null when not loaded), its tokenizer, where it is on disk and the hash
   * of its files.
   */
  private record Initial(LanguageModel model, Tokenizer tokenizer, Path source, String hash) {}

  /**
   * A seed's initial model: a checkpoint, or the supervised reference (made and cached under {@code
   * out/sft} when not there yet); loaded from {@code copy} (a folder with the same files) unless it
   * is null.
   */
  private Initial initial(
      Config config,
      Inputs inputs,
      LanguageModels lm,
      Path out,
      long seed,
      boolean load,
      Path copy) {
    if (config.reference() instanceof Reference.Checkpoint c) {
      Path from = copy != null ? copy : c.model();
      return new Initial(
          load ? lm.loadLanguageModel(from) : null,
          lm.loadTokenizer(from),
          c.model(),
          Provenance.folderSha256(from));
    }
    Reference.Supervised sft = (Reference.Supervised) config.reference();
    Map<String, Object> key = new LinkedHashMap<>();
    key.put("reference", sft.shape());
    if (sft.architecture() != null) {
      // Only with a preset, so that the default reference keeps its cache key.
      key.put("architecture", sft.architecture());
      key.put("preset", sft.preset());
    }
    key.put("steps", sft.steps());
    key.put("learning_rate", sft.learningRate());
    key.put("batch", sft.batch());
    key.put("tokenizer", Provenance.sha256(sft.tokenizerJson()));
    key.put("data", inputs.id());
    key.put("backend", config.backend());
    key.put("seed", seed);
    String hash = Provenance.sha256(canonicalJson(key));
    Path dir = out.resolve("sft").resolve("seed-" + seed + "-" + hash.substring(0, 16));
    if (copy != null) {
      return new Initial(load ? lm.loadLanguageModel(copy) : null, sft.tokenizer(), dir, hash);
    }
    if (Files.isRegularFile(dir.resolve(RunRecord.FILE))) {
      return new Initial(load ? lm.loadLanguageModel(dir) : null, sft.tokenizer(), dir, hash);
    }
    List<Demonstration> demos = inputs.demonstrations(seed);
    if (demos.isEmpty()) {
      throw new ConfigurationException(
          "reference",
          "a supervised reference needs"
              + " demonstrations, and the data "
              + inputs.id()
              + " has none");
    }
    Instant started = Instant.now();
    Path staging = DurableFiles.stagingFolder(dir);
    LanguageModel model;
    if (sft.architecture() == null) {
      model = lm.newLanguageModel(sft.shape(), seed);
    } else {
      // A preset model takes its vocabulary and special tokens from a tokenizer folder: the
      // staging folder, where the tokenizer goes anyway.
      DurableFiles.write(staging.resolve("tokenizer.json"), sft.tokenizerJson());
      model =
          lm.newLanguageModel(
              sft.architecture(), sft.preset(), staging, sft.shape().contextLength(), seed);
    }
    supervisedFineTuning(lm, model, sft, demos, seed);
    model.save(staging);
    DurableFiles.write(staging.resolve("tokenizer.json"), sft.tokenizerJson());
    RunRecord.start(
            "align reference (supervised fine-tuning)",
            started,
            key,
            new RunRecord.Providers(
                RunRecord.ProviderInfo.of(runtime.backends().get(config.backend())),
                null,
                null,
                null),
            null,
            List.of(new RunRecord.Input("demonstrations", inputs.id(), null)))
        .finish(Instant.now(), null)
        .writeTo(staging);
    DurableFiles.publishFolder(staging, dir);
    model.close();
    // Loaded back, the model carries its tokenizer.json into every checkpoint of the runs, as it
    // does when the cache is read on a rerun: each checkpoint is a self-contained model folder.
    return new Initial(load ? lm.loadLanguageModel(dir) : null, sft.tokenizer(), dir, hash);
  }

  /** Supervised fine-tuning: next-token loss on random demonstrations, response then end. */
  static void supervisedFineTuning(
      LanguageModels lm,
      LanguageModel model,
      Reference.Supervised sft,
      List<Demonstration> demos,
      long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Tokenizer tokenizer = sft.tokenizer();
    try (LmTrainer trainer =
        lm.newTrainer(
            model,
            TrainerConfig.adamW(sft.learningRate()).withSchedule(20, Math.max(sft.steps(), 21)))) {
      for (int step = 0; step < sft.steps(); step++) {
        List<int[]> prompts = new ArrayList<>();
        List<int[]> answers = new ArrayList<>();
        for (int i = 0; i < sft.batch(); i++) {
          Demonstration d = demos.get(random.nextInt(demos.size()));
          prompts.add(tokenizer.encodePrompt(d.prompt()));
          int[] words = tokenizer.encode(d.response());
          int[] withEnd = Arrays.copyOf(words, words.length + 1);
          withEnd[words.length] = tokenizer.endOfSequence();
          answers.add(withEnd);
        }
        trainer.supervisedStep(prompts, answers);
      }
    }
  }

  /**
   * What, besides the loop's own settings and prompts, must match for a run folder to be resumed:
   * the whole configuration, the data, and the initial model's hash.
   */
  private static String setupFingerprint(Config config, Inputs inputs, String initialHash) {
    Map<String, Object> all = new LinkedHashMap<>();
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("objective", config.objective());
    c.put("beta", config.beta());
    c.put("backend", config.backend());
    c.put("oracle", config.oracle());
    c.put("oracle_options", config.oracleOptions());
    c.put("loop", config.loop().withSeed(0));
    c.put(
        "reference",
        config.reference() instanceof Reference.Supervised s
            ? Map.of(
                "shape",
                s.shape(),
                "steps",
                s.steps(),
                "learning_rate",
                s.learningRate(),
                "batch",
                s.batch())
            : "checkpoint");
    if (config.reference() instanceof Reference.Supervised s && s.architecture() != null) {
      c.put("reference_preset", s.architecture() + " " + s.preset());
    }
    if (config.lora() != null) {
      // Only with adapters, so that the fingerprints of runs without them stay as they were.
      c.put("lora", config.lora());
    }
    all.put("config", c);
    all.put("data", inputs.id());
    all.put("initial_model_sha256", initialHash);
    return Provenance.sha256(canonicalJson(all));
  }

  /**
   * A value as canonical JSON: map keys and record properties sorted, no whitespace.
   *
   * @param value a Jackson-serialisable value
   * @return UTF-8 bytes
   */
  public static byte[] canonicalJson(Object value) {
    try {
      // Through a tree, so that nested maps are sorted too.
      return CANONICAL.writeValueAsBytes(CANONICAL.readTree(CANONICAL.writeValueAsBytes(value)));
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise " + value, e);
    }
  }
}
