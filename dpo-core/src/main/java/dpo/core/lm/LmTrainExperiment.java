package dpo.core.lm;

import dpo.api.ConfigurationException;
import dpo.api.backend.BackendCapability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LanguageModels;
import dpo.api.lm.LmTrainer;
import dpo.api.lm.LoraConfig;
import dpo.api.lm.TokenBatch;
import dpo.api.lm.TokenLoss;
import dpo.api.lm.Tokenizer;
import dpo.core.DpoRuntime;
import dpo.core.align.AlignProgress;
import dpo.core.provenance.Provenance;
import dpo.core.provenance.RunRecord;
import dpo.core.registry.BackendFacets;
import dpo.core.training.TrainingLoop;
import dpo.core.training.TrainingSettings;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Next-token training of a causal language model on token blocks with a loss mask: pretraining
 * (every token a target) and supervised fine-tuning (completion tokens only, as TRL's SFT trains).
 * The model is a checkpoint folder or a fresh one of a named architecture and size for a tokenizer;
 * the output folder becomes a self-contained checkpoint of the trained model. Runs from Java
 * without the command line; {@code dpo lm train} builds a {@link Config}, reads the data into
 * blocks with the tokenizer of {@link #prepare}, runs this and renders the result. The backend is
 * reached only through its {@link LanguageModels} facet.
 */
public final class LmTrainExperiment {
  private final DpoRuntime runtime;

  /**
   * An experiment over the given providers.
   *
   * @param runtime the providers (backends)
   */
  @Inject
  public LmTrainExperiment(DpoRuntime runtime) {
    this.runtime = runtime;
  }

  /** Block length of a fresh model when none is given. */
  public static final int FRESH_CONTEXT = 256;

  /** Longest default block length of a checkpoint (its own context when shorter). */
  public static final int CHECKPOINT_CONTEXT = 1024;

  /** Where the model comes from. */
  public sealed interface Start {
    /**
     * A checkpoint folder (Hugging Face layout, with its tokenizer).
     *
     * @param model the folder
     */
    record Checkpoint(Path model) implements Start {}

    /**
     * A fresh model of a named architecture and size (one of the backend's {@link
     * LanguageModels#presets()}), initialised from the training seed.
     *
     * @param architecture e.g. {@code llama} or {@code gpt2}
     * @param preset e.g. {@code tiny}
     * @param tokenizer the tokenizer folder ({@code dpo tokenizer train}'s output)
     */
    record Fresh(String architecture, String preset, Path tokenizer) implements Start {}
  }

  /**
   * The experiment's settings.
   *
   * @param start where the model comes from
   * @param context block length in tokens; 0: {@value #FRESH_CONTEXT} for a fresh model (its
   *     context), a checkpoint's context up to {@value #CHECKPOINT_CONTEXT}
   * @param training how long and how to train
   * @param lora low-rank adapters to train on the checkpoint instead of every weight (the
   *     checkpoints and the output are then adapter folders naming it), or null for none
   * @param backend backend id, or null for the highest-priority one with language models
   * @param backendConfig the backend's settings (threads, device)
   * @param stopAfter stop after this step as if killed (0: never; tests resume)
   */
  public record Config(
      Start start,
      int context,
      TrainingSettings training,
      LoraConfig lora,
      String backend,
      BackendConfig backendConfig,
      int stopAfter) {
    /** Checks the counts, each error naming its field. */
    public Config {
      if (lora != null && start instanceof Start.Fresh) {
        throw new ConfigurationException(
            "lora-rank",
            "lora-rank needs a checkpoint to adapt (--model DIR): adapters are saved naming their"
                + " base folder, and a fresh model has none; train the base model first");
      }
      if (context != 0 && context < 2) {
        throw new ConfigurationException(
            "context", "context must be >= 2 tokens (0: the default), got " + context);
      }
      if (stopAfter < 0) {
        throw new ConfigurationException("stopAfter", "stopAfter must be >= 0, got " + stopAfter);
      }
    }
  }

  /**
   * What the data is prepared with ({@link #prepare}).
   *
   * @param tokenizer the model's tokenizer (a checkpoint's, or the fresh model's)
   * @param context the block length in tokens
   */
  public record Setup(Tokenizer tokenizer, int context) {}

  /**
   * The data, as blocks.
   *
   * @param train the training blocks (one example per block)
   * @param eval the held-out blocks, or null for none
   * @param id what the data is (files and their hashes), for the record
   */
  public record Inputs(TokenBatch train, TokenBatch eval, String id) {}

  /**
   * The outcome.
   *
   * @param outcome the loop's steps and metrics
   * @param record the provenance (finished when the run is complete)
   */
  public record Result(TrainingLoop.Outcome outcome, RunRecord record) {}

  /**
   * Checks the settings against the backend before any data is read, and gives what the data is
   * encoded with: the backend has language models, a fresh model's architecture and preset are
   * among its {@link LanguageModels#presets()}, the block length fits a checkpoint's context.
   *
   * @param config the settings
   * @return the tokenizer and the block length
   * @throws ConfigurationException naming {@code arch}, {@code preset} or {@code context}
   * @throws dpo.api.BadDataException if the checkpoint or tokenizer is malformed
   */
  public Setup prepare(Config config) {
    try (PolicyBackend backend = provider(config).create(config.backendConfig())) {
      LanguageModels lm = new BackendFacets(runtime.backends()).languageModels(backend);
      int context = context(lm, config);
      Path tokenizer =
          config.start() instanceof Start.Fresh f
              ? f.tokenizer()
              : ((Start.Checkpoint) config.start()).model();
      return new Setup(lm.loadTokenizer(tokenizer), context);
    }
  }

  /**
   * Trains (or resumes) into a folder.
   *
   * @param config the settings
   * @param inputs the data, in blocks of {@link #prepare}'s length
   * @param out the output folder (claimed by the caller)
   * @param progress progress reports
   * @return the result
   */
  public Result run(Config config, Inputs inputs, Path out, AlignProgress progress) {
    Instant started = Instant.now();
    PolicyBackendProvider provider = provider(config);
    TokenBatch train = withTargets(inputs.train(), "training");
    TokenBatch eval = inputs.eval() == null ? null : withTargets(inputs.eval(), "held-out");
    try (PolicyBackend backend = provider.create(config.backendConfig())) {
      LanguageModels lm = new BackendFacets(runtime.backends()).languageModels(backend);
      int context = context(lm, config);
      Supplier<LanguageModel> initial;
      Path source;
      if (config.start() instanceof Start.Fresh f) {
        long seed = config.training().seed();
        initial =
            () -> lm.newLanguageModel(f.architecture(), f.preset(), f.tokenizer(), context, seed);
        source = f.tokenizer();
      } else {
        Path model = ((Start.Checkpoint) config.start()).model();
        LoraConfig lora = config.lora();
        long seed = config.training().seed();
        initial = () -> TrainingRuns.withLora(lm, lm.loadLanguageModel(model), lora, seed);
        source = model;
      }
      String sourceHash = Provenance.folderSha256(source);
      Map<String, Object> key = new LinkedHashMap<>();
      key.put("start", config.start());
      key.put("context", context);
      key.put("training", config.training());
      if (config.lora() != null) {
        key.put("lora", config.lora());
      }
      key.put("backend", provider.id());
      key.put("start_sha256", sourceHash);
      key.put("train_sha256", TrainingRuns.sha256(train));
      key.put("eval_sha256", eval == null ? "" : TrainingRuns.sha256(eval));
      List<RunRecord.Input> recordInputs =
          List.of(
              new RunRecord.Input(
                  config.start() instanceof Start.Fresh ? "tokenizer" : "initial model",
                  source.toString(),
                  sourceHash),
              new RunRecord.Input("data", inputs.id(), null));
      RunRecord record =
          RunRecord.start(
              "lm train",
              started,
              config,
              TrainingRuns.providers(provider),
              RunRecord.Device.of(backend.device()),
              recordInputs);
      TrainingLoop.Outcome outcome =
          TrainingLoop.run(
              lm,
              initial,
              config.training(),
              new NextToken(train, eval, config.training().batchSize()),
              TrainingRuns.fingerprint(key),
              out,
              record,
              config.stopAfter(),
              progress);
      if (outcome.complete()) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("steps", outcome.steps());
        summary.put("train_loss", outcome.last("loss"));
        summary.put("eval_loss", outcome.last("eval_loss"));
        summary.put("eval_perplexity", outcome.last("eval_perplexity"));
        record = record.finish(Instant.now(), summary);
        record.writeTo(out);
      }
      return new Result(outcome, record);
    }
  }

  private PolicyBackendProvider provider(Config config) {
    return runtime
        .backends()
        .require(config.backend(), BackendCapability.LANGUAGE_MODELS, "train language models");
  }

  /**
   * The block length, after checking the start against the backend: a fresh model's names among its
   * presets, a block no longer than a checkpoint's context.
   */
  private static int context(LanguageModels lm, Config config) {
    if (config.start() instanceof Start.Fresh f) {
      TrainingRuns.checkPreset(lm, f.architecture(), f.preset());
      return config.context() > 0 ? config.context() : FRESH_CONTEXT;
    }
    Path model = ((Start.Checkpoint) config.start()).model();
    int modelContext = TrainingRuns.checkpointContext(lm, model);
    if (config.context() == 0) {
      return Math.min(CHECKPOINT_CONTEXT, modelContext);
    }
    if (config.context() > modelContext) {
      throw new ConfigurationException(
          "context",
          "context "
              + config.context()
              + " is longer than the model's context of "
              + modelContext
              + " tokens; use at most that");
    }
    return config.context();
  }

  /** The blocks that have a target (a packed last block may hold none). */
  private static TokenBatch withTargets(TokenBatch batch, String what) {
    List<int[]> tokens = new ArrayList<>();
    List<boolean[]> targets = new ArrayList<>();
    for (int b = 0; b < batch.size(); b++) {
      boolean any = false;
      for (boolean t : batch.targets()[b]) {
        any |= t;
      }
      if (any) {
        tokens.add(batch.tokens()[b]);
        targets.add(batch.targets()[b]);
      }
    }
    if (tokens.isEmpty()) {
      throw new ConfigurationException(
          "data", "the " + what + " data has no token to train on; every token is masked");
    }
    return new TokenBatch(tokens.toArray(int[][]::new), targets.toArray(boolean[][]::new));
  }

  /** Next-token training: a batch is a set of blocks; evaluation is over every held-out block. */
  private record NextToken(TokenBatch train, TokenBatch eval, int evalBatch)
      implements TrainingLoop.Task {
    @Override
    public int examples() {
      return train.size();
    }

    @Override
    public Map<String, Double> train(LanguageModel model, LmTrainer trainer, int[] batch) {
      TokenLoss l = trainer.languageModelStep(select(train, batch));
      Map<String, Double> m = new LinkedHashMap<>();
      m.put("loss", l.loss());
      m.put("grad_norm", l.gradNorm());
      m.put("learning_rate", l.learningRate());
      m.put("tokens", (double) l.tokens());
      return m;
    }

    @Override
    public Map<String, Double> evaluate(LanguageModel model, LmTrainer trainer) {
      if (eval == null) {
        return Map.of();
      }
      double nll = 0;
      long tokens = 0;
      for (int from = 0; from < eval.size(); from += evalBatch) {
        TokenLoss l = trainer.tokenLoss(eval.slice(from, Math.min(eval.size(), from + evalBatch)));
        nll += l.loss() * l.tokens();
        tokens += l.tokens();
      }
      Map<String, Double> m = new LinkedHashMap<>();
      m.put("loss", nll / tokens);
      m.put("perplexity", Math.exp(nll / tokens));
      m.put("tokens", (double) tokens);
      return m;
    }

    private static TokenBatch select(TokenBatch all, int[] rows) {
      int[][] tokens = new int[rows.length][];
      boolean[][] targets = new boolean[rows.length][];
      for (int i = 0; i < rows.length; i++) {
        tokens[i] = all.tokens()[rows[i]];
        targets[i] = all.targets()[rows[i]];
      }
      return new TokenBatch(tokens, targets);
    }
  }
}
