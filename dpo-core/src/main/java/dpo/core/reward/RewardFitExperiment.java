package dpo.core.reward;

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
import dpo.core.provenance.RunRecord;
import dpo.core.registry.BackendFacets;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Fits a reward model (Bradley-Terry) to labelled pairs and writes it as a checkpoint folder (model
 * files, tokenizer.json, run.json) that the {@code learned} oracle loads. Runs from Java; {@code
 * dpo reward train} only builds the pairs of a synthetic task and renders the progress.
 */
public final class RewardFitExperiment {
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
      if (epochs < 1) {
        errors.add(
            new ConfigurationException.Violation("epochs", "epochs must be >= 1, got " + epochs));
      }
      if (batch < 1) {
        errors.add(
            new ConfigurationException.Violation("batch", "batch must be >= 1, got " + batch));
      }
      if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
        errors.add(
            new ConfigurationException.Violation(
                "learningRate", "learningRate must be a finite number > 0, got " + learningRate));
      }
      if (!errors.isEmpty()) {
        throw new ConfigurationException(errors);
      }
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
    Instant started = Instant.now();
    int steps = config.epochs() * ((data.train().size() + config.batch() - 1) / config.batch());
    try (PolicyBackend backend = provider.create(config.backendConfig())) {
      RewardModels facet = new BackendFacets(runtime.backends()).rewardModels(backend);
      try (RewardModel model = facet.newRewardModel(config.shape(), config.seed());
          RewardTrainer trainer =
              facet.newRewardTrainer(
                  model,
                  TrainerConfig.adamW(config.learningRate())
                      .withSchedule(Math.min(50, steps / 10), steps))) {
        double before =
            RewardModelFit.accuracy(model, data.tokenizer(), data.test(), config.batch());
        log.accept(String.format(Locale.ROOT, "untrained: held-out accuracy %.3f", before));
        RewardModelFit.Report report =
            RewardModelFit.fit(
                model,
                trainer,
                data.tokenizer(),
                data.train(),
                data.test(),
                new RewardModelFit.Settings(config.epochs(), config.batch(), config.seed()),
                log);
        model.save(out);
        DurableFiles.write(out.resolve("tokenizer.json"), data.tokenizerJson());
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("train_pairs", data.train().size());
        results.put("held_out_pairs", data.test().size());
        results.put("held_out_accuracy_untrained", before);
        results.put("train_loss", report.trainLoss());
        results.put("held_out_accuracy", report.heldOutAccuracy());
        RunRecord record =
            RunRecord.start(
                    "reward train",
                    started,
                    config,
                    new RunRecord.Providers(RunRecord.ProviderInfo.of(provider), null, null, null),
                    RunRecord.Device.of(backend.device()),
                    List.of(new RunRecord.Input("pairs", data.id(), null)))
                .finish(Instant.now(), results);
        record.writeTo(out);
        return new Result(before, report, record);
      }
    }
  }
}
