package dpo.core.align;

import dpo.api.ConfigurationException;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LanguageModels;
import dpo.api.lm.Tokenizer;
import dpo.api.oracle.RewardOracle;
import dpo.core.DpoRuntime;
import dpo.core.provenance.Provenance;
import dpo.core.provenance.RunRecord;
import dpo.core.registry.BackendFacets;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Evaluates any checkpoint against a reference checkpoint on test prompts, exactly as {@code dpo
 * align} evaluates its policies ({@link Evaluator}): reward at the evaluation temperature, greedy
 * reward, win rate against the reference and KL(model || reference). {@code dpo eval} only parses
 * options into a {@link Config}, runs this and renders the {@link Result}.
 */
public final class EvalExperiment {
  private final DpoRuntime runtime;

  /**
   * An evaluation over the given providers.
   *
   * @param runtime the providers (backends, oracles)
   */
  @Inject
  public EvalExperiment(DpoRuntime runtime) {
    this.runtime = runtime;
  }

  /**
   * What to evaluate and how.
   *
   * @param backend backend id (with language models)
   * @param backendConfig the backend's settings (threads, device)
   * @param oracle oracle id
   * @param oracleOptions the oracle's options
   * @param model the checkpoint folder to evaluate (its tokenizer.json encodes the prompts; the
   *     reference's when it has none)
   * @param reference the checkpoint folder it is compared with (the KL's second model)
   * @param settings what the evaluation draws
   */
  public record Config(
      String backend,
      BackendConfig backendConfig,
      String oracle,
      Map<String, String> oracleOptions,
      Path model,
      Path reference,
      Evaluator.Settings settings) {
    /** Copies the options. */
    public Config {
      oracleOptions = new TreeMap<>(oracleOptions);
    }
  }

  /**
   * The outcome.
   *
   * @param evaluation the model against the reference (iteration 0)
   * @param referenceReward the reference's mean reward at the evaluation temperature
   * @param referenceRewardGreedy the reference's mean greedy reward
   * @param prompts how many test prompts
   * @param record the provenance (finished)
   */
  public record Result(
      Evaluation evaluation,
      double referenceReward,
      double referenceRewardGreedy,
      int prompts,
      RunRecord record) {}

  /**
   * Checks what can be checked before anything is loaded: the providers exist.
   *
   * @param config the settings
   */
  public void check(Config config) {
    runtime.backends().get(config.backend());
    runtime.oracles().get(config.oracle());
  }

  /**
   * Runs the evaluation.
   *
   * @param config the settings
   * @param prompts the test prompts
   * @param promptsId what the prompts are (a file and its hash), for the record
   * @return the result
   */
  public Result run(Config config, List<Prompt> prompts, String promptsId) {
    if (prompts.isEmpty()) {
      throw new ConfigurationException("prompts", "prompts: the file has no prompts");
    }
    Instant started = Instant.now();
    PolicyBackendProvider provider = runtime.backends().get(config.backend());
    try (PolicyBackend backend = provider.create(config.backendConfig());
        RewardOracle oracle =
            AlignExperiment.oracle(
                runtime, config.oracle(), config.oracleOptions(), config.settings().seed())) {
      LanguageModels lm = new BackendFacets(runtime.backends()).languageModels(backend);
      Tokenizer tokenizer =
          lm.loadTokenizer(
              java.nio.file.Files.isRegularFile(config.model().resolve("tokenizer.json"))
                  ? config.model()
                  : config.reference());
      try (LanguageModel model = lm.loadLanguageModel(config.model());
          LanguageModel reference = lm.loadLanguageModel(config.reference())) {
        if (model.config().vocabularySize() != reference.config().vocabularySize()) {
          throw new ConfigurationException(
              "reference",
              "reference "
                  + config.reference()
                  + " has a vocabulary of "
                  + reference.config().vocabularySize()
                  + " tokens, the model "
                  + model.config().vocabularySize()
                  + "; compare checkpoints that share a tokenizer");
        }
        Evaluator evaluator = new Evaluator(lm, tokenizer, oracle, config.settings());
        Evaluator.Baseline baseline = evaluator.baseline(reference, prompts);
        Evaluation evaluation = evaluator.evaluate(0, model, reference, baseline);
        RunRecord record =
            RunRecord.start(
                    "eval",
                    started,
                    config,
                    new RunRecord.Providers(
                        RunRecord.ProviderInfo.of(provider),
                        null,
                        RunRecord.ProviderInfo.of(runtime.oracles().get(config.oracle())),
                        null),
                    RunRecord.Device.of(backend.device()),
                    List.of(
                        new RunRecord.Input(
                            "model",
                            config.model().toString(),
                            Provenance.folderSha256(config.model())),
                        new RunRecord.Input(
                            "reference",
                            config.reference().toString(),
                            Provenance.folderSha256(config.reference())),
                        new RunRecord.Input("prompts", promptsId, null)))
                .finish(Instant.now(), evaluation);
        return new Result(
            evaluation, baseline.reward(), baseline.greedyReward(), prompts.size(), record);
      }
    }
  }
}
