package dpo.core.reward;

import dpo.api.BadDataException;
import dpo.api.ConfigurationException;
import dpo.api.backend.BackendCapability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.io.DurableFiles;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.RewardModel;
import dpo.api.lm.RewardModels;
import dpo.api.lm.RewardTrainer;
import dpo.api.lm.Tokenizer;
import dpo.api.lm.TrainerConfig;
import dpo.core.DpoRuntime;
import dpo.core.provenance.Provenance;
import dpo.core.provenance.RunRecord;
import dpo.core.registry.BackendFacets;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Fits a reward model (Bradley-Terry) to labelled pairs and writes it as a checkpoint folder (model
 * files, tokenizer.json, run.json) that the {@code learned} oracle loads. Runs from Java; {@code
 * dpo reward train} only builds the pairs (of a synthetic task, or read from a preference file) and
 * renders the progress. Two entry points: {@link #run} on given pairs and a given shape, and {@link
 * #runOnFile} on a file's pairs, from a checkpoint or a fresh model with a tokenizer.
 */
public final class RewardFitExperiment {
  private static final String TOKENIZER_FILE = "tokenizer.json";

  /** The tokenizer files a fresh model's checkpoint takes from the tokenizer folder. */
  private static final List<String> TOKENIZER_FILES =
      List.of(TOKENIZER_FILE, "tokenizer_config.json", "special_tokens_map.json");

  private static final long MAX_TOKENIZER_FILE_BYTES = 64L << 20;

  private final DpoRuntime runtime;

  /**
   * An experiment over the given providers.
   *
   * @param runtime the providers
   */
  @Inject
  public RewardFitExperiment(DpoRuntime runtime) {
    this.runtime = runtime;
  }

  /**
   * The fit's settings.
   *
   * @param shape the reward model's shape
   * @param epochs passes over the pairs
   * @param batch pairs per step
   * @param learningRate AdamW learning rate
   * @param backend backend id, or null for the highest-priority one with reward models
   * @param backendConfig the backend's settings (threads, device)
   * @param seed seed of initialisation and shuffles
   */
  public record Config(
      ModelConfig shape,
      int epochs,
      int batch,
      double learningRate,
      String backend,
      BackendConfig backendConfig,
      long seed) {
    /** Checks the settings, reporting every violation. */
    public Config {
      List<ConfigurationException.Violation> errors = new ArrayList<>();
      checkFit(errors, epochs, batch, learningRate);
      if (!errors.isEmpty()) {
        throw new ConfigurationException(errors);
      }
    }
  }

  private static void checkFit(
      List<ConfigurationException.Violation> errors, int epochs, int batch, double learningRate) {
    if (epochs < 1) {
      errors.add(
          new ConfigurationException.Violation("epochs", "epochs must be >= 1, got " + epochs));
    }
    if (batch < 1) {
      errors.add(new ConfigurationException.Violation("batch", "batch must be >= 1, got " + batch));
    }
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      errors.add(
          new ConfigurationException.Violation(
              "learningRate", "learningRate must be a finite number > 0, got " + learningRate));
    }
  }

  /**
   * The pairs.
   *
   * @param id what they are, for the record (e.g. the task, counts and seed)
   * @param tokenizer the tokenizer of the model
   * @param tokenizerJson the tokenizer as a Hugging Face tokenizer.json, stored in the checkpoint
   * @param train training pairs
   * @param test held-out pairs
   */
  public record Data(
      String id,
      Tokenizer tokenizer,
      byte[] tokenizerJson,
      List<LabelledPair> train,
      List<LabelledPair> test) {
    /** Copies the lists. */
    public Data {
      train = List.copyOf(train);
      test = List.copyOf(test);
    }
  }

  /** Where a reward model fitted to a preference file starts. */
  public sealed interface Start {
    /**
     * A checkpoint folder and its tokenizer: a reward model continues whole, a causal language
     * model (for example from {@code dpo lm train}) gives its body and gets a fresh scalar head.
     *
     * @param model the folder
     */
    record Checkpoint(Path model) implements Start {}

    /**
     * A fresh GPT-2-style model with the tokenizer of a folder ({@code tokenizer.json} and, if
     * present, {@code tokenizer_config.json} and {@code special_tokens_map.json}, which are copied
     * into the checkpoint).
     *
     * @param tokenizer the tokenizer folder, e.g. from {@code dpo tokenizer train}
     * @param width transformer width
     * @param layers transformer blocks
     * @param heads attention heads
     * @param context the longest prompt plus response, in tokens
     */
    record Fresh(Path tokenizer, int width, int layers, int heads, int context) implements Start {}
  }

  /**
   * The settings of a fit on a preference file.
   *
   * @param start where the model starts
   * @param evalFraction the fraction of pairs held out for the accuracy, in (0, 1)
   * @param epochs passes over the training pairs
   * @param batch pairs per step
   * @param learningRate AdamW learning rate
   * @param backend backend id, or null for the highest-priority one with reward models
   * @param backendConfig the backend's settings (threads, device)
   * @param seed seed of the split, initialisation and shuffles
   */
  public record FileConfig(
      Start start,
      double evalFraction,
      int epochs,
      int batch,
      double learningRate,
      String backend,
      BackendConfig backendConfig,
      long seed) {
    /** Checks the settings, reporting every violation. */
    public FileConfig {
      List<ConfigurationException.Violation> errors = new ArrayList<>();
      if (start == null) {
        errors.add(new ConfigurationException.Violation("start", "a start model is needed"));
      }
      if (!(evalFraction > 0 && evalFraction < 1)) {
        errors.add(
            new ConfigurationException.Violation(
                "evalFraction", "evalFraction must be in (0, 1), got " + evalFraction));
      }
      checkFit(errors, epochs, batch, learningRate);
      if (!errors.isEmpty()) {
        throw new ConfigurationException(errors);
      }
    }
  }

  /**
   * A preference pair of a file, as text, with where it is.
   *
   * @param prompt the prompt
   * @param chosen the preferred response
   * @param rejected the other response
   * @param file the file
   * @param line its 1-based line, or 0 where lines mean nothing (Parquet)
   * @param where how an error names the row beyond its line (e.g. "row group 0, row 3"), or null
   */
  public record FilePair(
      String prompt, String chosen, String rejected, Path file, long line, String where) {}

  /**
   * The pairs of a preference file.
   *
   * @param id what they are, for the record (the file and its format)
   * @param sha256 the SHA-256 of the file
   * @param pairs the pairs, in file order
   */
  public record FileData(String id, String sha256, List<FilePair> pairs) {
    /** Copies the list. */
    public FileData {
      pairs = List.copyOf(pairs);
    }
  }

  /**
   * The outcome.
   *
   * @param untrainedAccuracy held-out accuracy before training
   * @param report losses and accuracies per epoch
   * @param record the provenance written beside the checkpoint
   */
  public record Result(double untrainedAccuracy, RewardModelFit.Report report, RunRecord record) {}

  /**
   * Checks what can be checked before anything is written: a backend with reward models.
   *
   * @param config the settings
   * @return the backend's provider
   */
  public PolicyBackendProvider check(Config config) {
    return runtime
        .backends()
        .require(config.backend(), BackendCapability.REWARD_MODELS, "train reward models");
  }

  /**
   * Checks what can be checked before the file is read: a backend with reward models.
   *
   * @param config the settings
   * @return the backend's provider
   */
  public PolicyBackendProvider check(FileConfig config) {
    return runtime
        .backends()
        .require(config.backend(), BackendCapability.REWARD_MODELS, "train reward models");
  }

  /**
   * Fits and writes the checkpoint into {@code out} (claimed by the caller).
   *
   * @param config the settings
   * @param data the pairs
   * @param out the checkpoint folder
   * @param log receives one line per epoch
   * @return the result
   */
  public Result run(Config config, Data data, Path out, Consumer<String> log) {
    PolicyBackendProvider provider = check(config);
    try (PolicyBackend backend = provider.create(config.backendConfig())) {
      RewardModels facet = new BackendFacets(runtime.backends()).rewardModels(backend);
      try (RewardModel model = facet.newRewardModel(config.shape(), config.seed())) {
        return fit(
            new Fit(
                provider,
                backend,
                facet,
                model,
                data.tokenizer(),
                Map.of(TOKENIZER_FILE, data.tokenizerJson()),
                config,
                List.of(new RunRecord.Input("pairs", data.id(), null))),
            new Settings(config.epochs(), config.batch(), config.learningRate(), config.seed()),
            data.train(),
            data.test(),
            out,
            log);
      }
    }
  }

  /**
   * Fits a reward model to the pairs of a preference file and writes the checkpoint into {@code
   * out} (claimed by the caller). The pairs are split by a draw from the seed into training and
   * held-out pairs; every pair must fit the model's context whole (prompt and the longer response,
   * in tokens of the model's tokenizer), else it is refused naming its file, line and field.
   *
   * @param config the settings
   * @param data the file's pairs
   * @param out the checkpoint folder
   * @param log receives one line per epoch
   * @return the result
   * @throws dpo.api.BadDataException if a pair is longer than the context, a checkpoint or
   *     tokenizer is malformed, or the file holds too few pairs to split
   */
  public Result runOnFile(FileConfig config, FileData data, Path out, Consumer<String> log) {
    PolicyBackendProvider provider = check(config);
    try (PolicyBackend backend = provider.create(config.backendConfig())) {
      BackendFacets facets = new BackendFacets(runtime.backends());
      RewardModels facet = facets.rewardModels(backend);
      Path tokenizerFolder =
          config.start() instanceof Start.Checkpoint c
              ? c.model()
              : ((Start.Fresh) config.start()).tokenizer();
      Tokenizer tokenizer = facets.languageModels(backend).loadTokenizer(tokenizerFolder);
      List<RunRecord.Input> inputs = new ArrayList<>();
      inputs.add(new RunRecord.Input("preferences", data.id(), data.sha256()));
      Map<String, byte[]> tokenizerFiles = new LinkedHashMap<>();
      RewardModel created;
      if (config.start() instanceof Start.Checkpoint c) {
        inputs.add(
            new RunRecord.Input(
                "initial model", c.model().toString(), Provenance.folderSha256(c.model())));
        created = facet.newRewardModel(c.model(), config.seed());
      } else {
        Start.Fresh f = (Start.Fresh) config.start();
        tokenizerFiles.putAll(tokenizerFiles(f.tokenizer()));
        inputs.add(
            new RunRecord.Input(
                "tokenizer",
                f.tokenizer().toString(),
                Provenance.sha256(tokenizerFiles.get(TOKENIZER_FILE))));
        created =
            facet.newRewardModel(
                new ModelConfig(
                    tokenizer.vocabularySize(), f.width(), f.layers(), f.heads(), f.context()),
                config.seed());
      }
      try (RewardModel model = created) {
        List<LabelledPair> pairs = checkedPairs(data, tokenizer, model.config().contextLength());
        int heldOut = (int) Math.round(pairs.size() * config.evalFraction());
        if (heldOut < 1 || heldOut >= pairs.size()) {
          throw new ConfigurationException(
              "evalFraction",
              "evalFraction "
                  + config.evalFraction()
                  + " of "
                  + pairs.size()
                  + " pairs holds out "
                  + heldOut
                  + "; at least one pair must be held out and one trained on (more pairs, or"
                  + " another fraction)");
        }
        List<LabelledPair> shuffled = new ArrayList<>(pairs);
        RewardModelFit.shuffle(shuffled, new SplittableRandom(config.seed()));
        return fit(
            new Fit(provider, backend, facet, model, tokenizer, tokenizerFiles, config, inputs),
            new Settings(config.epochs(), config.batch(), config.learningRate(), config.seed()),
            shuffled.subList(heldOut, shuffled.size()),
            shuffled.subList(0, heldOut),
            out,
            log);
      }
    }
  }

  /** Everything a fit needs besides its pairs and settings. */
  private record Fit(
      PolicyBackendProvider provider,
      PolicyBackend backend,
      RewardModels facet,
      RewardModel model,
      Tokenizer tokenizer,
      Map<String, byte[]> tokenizerFiles,
      Object config,
      List<RunRecord.Input> inputs) {}

  private record Settings(int epochs, int batch, double learningRate, long seed) {}

  private Result fit(
      Fit fit,
      Settings settings,
      List<LabelledPair> train,
      List<LabelledPair> test,
      Path out,
      Consumer<String> log) {
    Instant started = Instant.now();
    int steps = settings.epochs() * ((train.size() + settings.batch() - 1) / settings.batch());
    RewardModel model = fit.model();
    try (RewardTrainer trainer =
        fit.facet()
            .newRewardTrainer(
                model,
                TrainerConfig.adamW(settings.learningRate())
                    .withSchedule(Math.min(50, steps / 10), steps))) {
      double before = RewardModelFit.accuracy(model, fit.tokenizer(), test, settings.batch());
      log.accept(String.format(Locale.ROOT, "untrained: held-out accuracy %.3f", before));
      RewardModelFit.Report report =
          RewardModelFit.fit(
              model,
              trainer,
              fit.tokenizer(),
              train,
              test,
              new RewardModelFit.Settings(settings.epochs(), settings.batch(), settings.seed()),
              log);
      model.save(out);
      fit.tokenizerFiles().forEach((name, bytes) -> DurableFiles.write(out.resolve(name), bytes));
      Map<String, Object> results = new LinkedHashMap<>();
      results.put("train_pairs", train.size());
      results.put("held_out_pairs", test.size());
      results.put("held_out_accuracy_untrained", before);
      results.put("train_loss", report.trainLoss());
      results.put("held_out_accuracy", report.heldOutAccuracy());
      RunRecord record =
          RunRecord.start(
                  "reward train",
                  started,
                  fit.config(),
                  new RunRecord.Providers(
                      RunRecord.ProviderInfo.of(fit.provider()), null, null, null),
                  RunRecord.Device.of(fit.backend().device()),
                  fit.inputs())
              .finish(Instant.now(), results);
      record.writeTo(out);
      return new Result(before, report, record);
    }
  }

  /** The tokenizer files of a folder that a checkpoint carries; tokenizer.json is required. */
  private static Map<String, byte[]> tokenizerFiles(Path folder) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String name : TOKENIZER_FILES) {
      Path file = folder.resolve(name);
      try {
        if (Files.isRegularFile(file)) {
          if (Files.size(file) > MAX_TOKENIZER_FILE_BYTES) {
            throw new BadDataException(
                file,
                0,
                null,
                "larger than " + (MAX_TOKENIZER_FILE_BYTES >> 20) + " MiB; not a tokenizer file");
          }
          files.put(name, Files.readAllBytes(file));
        }
      } catch (IOException e) {
        throw new BadDataException(file, 0, null, "cannot read: " + e.getMessage());
      }
    }
    if (!files.containsKey(TOKENIZER_FILE)) {
      throw new BadDataException(
          folder.resolve(TOKENIZER_FILE),
          0,
          null,
          "missing; the tokenizer folder needs tokenizer.json (Hugging Face format), e.g. from"
              + " 'dpo tokenizer train'");
    }
    return files;
  }

  /**
   * The file's pairs as text, each checked to fit the context whole: the prompt (one token if it
   * encodes to nothing) and each response together, as {@link Tokenizer#encodePair} keeps them.
   */
  static List<LabelledPair> checkedPairs(FileData data, Tokenizer tokenizer, int context) {
    List<LabelledPair> out = new ArrayList<>(data.pairs().size());
    for (FilePair p : data.pairs()) {
      int prompt = Math.max(1, tokenizer.encode(p.prompt()).length);
      int chosen = tokenizer.encode(p.chosen()).length;
      int rejected = tokenizer.encode(p.rejected()).length;
      if (prompt + Math.max(chosen, rejected) > context) {
        String field = prompt >= context ? "prompt" : chosen >= rejected ? "chosen" : "rejected";
        throw new BadDataException(
            p.file(),
            p.line(),
            p.where() == null ? field : p.where() + ", " + field,
            "the prompt ("
                + prompt
                + " tokens) and the "
                + (chosen >= rejected ? "chosen" : "rejected")
                + " response ("
                + Math.max(chosen, rejected)
                + " tokens) make "
                + (prompt + Math.max(chosen, rejected))
                + " tokens, more than the reward model's context of "
                + context
                + "; shorten the row or remove it, or train a fresh model with a longer --context");
      }
      out.add(new LabelledPair(p.prompt(), p.chosen(), p.rejected(), 1));
    }
    return out;
  }
}
