package dpo.core.lm;

import dpo.api.ConfigurationException;
import dpo.api.backend.BackendCapability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import dpo.api.data.HeldOut;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LanguageModels;
import dpo.api.lm.LmTrainer;
import dpo.api.lm.LoraConfig;
import dpo.api.lm.PreferenceBatch;
import dpo.api.lm.StepMetrics;
import dpo.api.lm.Tokenizer;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Offline DPO on a fixed file of preference pairs, as TRL's DPOTrainer trains: the policy starts
 * from a checkpoint, the frozen reference is that checkpoint (or another one), each step is one
 * {@link LmTrainer#dpoStep} on a batch of pairs, and the metrics carry TRL's names ({@code
 * rewards/chosen}, {@code rewards/rejected}, {@code rewards/accuracies}, {@code rewards/margins},
 * {@code logps/chosen}, {@code logps/rejected}, {@code loss}, {@code grad_norm}, {@code
 * learning_rate}; {@code eval_} before each on the held-out pairs). Same loop, checkpoints and
 * resume as next-token training ({@link TrainingLoop}).
 *
 * <p>Tokens: the prompt is encoded as the tokenizer encodes prompts (with its beginning-of-sequence
 * token when it adds one), each response without special tokens and followed by the end-of-sequence
 * token. When a prompt and its longer response exceed {@code maxLength} tokens, the prompt keeps
 * its last {@code maxPromptLength} tokens and then the responses are cut to what is left (TRL's
 * order).
 */
public final class DpoTrainExperiment {
  private final DpoRuntime runtime;

  /**
   * An experiment over the given providers.
   *
   * @param runtime the providers (backends, objectives)
   */
  @Inject
  public DpoTrainExperiment(DpoRuntime runtime) {
    this.runtime = runtime;
  }

  /**
   * One preference pair as text.
   *
   * @param prompt the prompt (a conversation already rendered as text)
   * @param chosen the preferred response
   * @param rejected the other response
   * @param source where it comes from (file:line), for messages
   */
  public record Pair(String prompt, String chosen, String rejected, String source) {}

  /**
   * The experiment's settings.
   *
   * @param model the policy's starting checkpoint folder
   * @param reference the reference checkpoint folder, or null for {@code model} (with {@code lora},
   *     the policy's own base with its adapters off: no second copy of the weights)
   * @param objective objective id ({@code sigmoid}, {@code ipo}, {@code hinge} or a plugin's)
   * @param beta the KL coefficient
   * @param labelSmoothing the probability that a label is flipped (conservative DPO), in [0, 0.5)
   * @param maxLength longest prompt plus response, in tokens (0: the model's context)
   * @param maxPromptLength longest prompt kept when a pair is too long, in tokens (0: half of the
   *     max length)
   * @param evalFraction fraction of the pairs held out for evaluation, in [0, 1)
   * @param training how long and how to train
   * @param lora low-rank adapters to train on the policy instead of every weight (the checkpoints
   *     and the output are then adapter folders naming {@code model}), or null for none
   * @param backend backend id, or null for the highest-priority one with language models
   * @param backendConfig the backend's settings (threads, device)
   * @param stopAfter stop after this step as if killed (0: never; tests resume)
   */
  public record Config(
      Path model,
      Path reference,
      String objective,
      double beta,
      double labelSmoothing,
      int maxLength,
      int maxPromptLength,
      double evalFraction,
      TrainingSettings training,
      LoraConfig lora,
      String backend,
      BackendConfig backendConfig,
      int stopAfter) {
    /** Checks the values, each error naming its field. */
    public Config {
      new ObjectiveConfig(beta, labelSmoothing); // checks beta and the label smoothing
      if (maxLength < 0) {
        throw new ConfigurationException(
            "maxLength", "maxLength must be >= 0 (0: the model's context), got " + maxLength);
      }
      if (maxPromptLength < 0) {
        throw new ConfigurationException(
            "maxPromptLength",
            "maxPromptLength must be >= 0 (0: half the max length), got " + maxPromptLength);
      }
      if (!(evalFraction >= 0 && evalFraction < 1)) {
        throw new ConfigurationException(
            "evalFraction", "evalFraction must be in [0, 1), got " + evalFraction);
      }
      if (stopAfter < 0) {
        throw new ConfigurationException("stopAfter", "stopAfter must be >= 0, got " + stopAfter);
      }
    }
  }

  /**
   * The outcome.
   *
   * @param outcome the loop's steps and metrics
   * @param trainPairs pairs trained on
   * @param evalPairs pairs held out
   * @param record the provenance (finished when the run is complete)
   */
  public record Result(
      TrainingLoop.Outcome outcome, int trainPairs, int evalPairs, RunRecord record) {}

  /**
   * Checks what can be checked before the data is read: the backend and the objective exist.
   *
   * @param config the settings
   */
  public void check(Config config) {
    provider(config);
    runtime.objectives().get(config.objective());
  }

  private PolicyBackendProvider provider(Config config) {
    return runtime
        .backends()
        .require(config.backend(), BackendCapability.LANGUAGE_MODELS, "train language models");
  }

  /**
   * Trains (or resumes) into a folder.
   *
   * @param config the settings
   * @param pairs the preference pairs, in file order
   * @param dataId what the data is (files and their hashes), for the record
   * @param out the output folder (claimed by the caller)
   * @param progress progress reports
   * @return the result
   */
  public Result run(
      Config config, List<Pair> pairs, String dataId, Path out, AlignProgress progress) {
    Instant started = Instant.now();
    PolicyBackendProvider provider = provider(config);
    Objective objective =
        runtime
            .objectives()
            .get(config.objective())
            .create(new ObjectiveConfig(config.beta(), config.labelSmoothing()));
    int held =
        config.evalFraction() == 0
            ? 0
            : Math.max(1, (int) Math.round(config.evalFraction() * pairs.size()));
    if (held >= pairs.size()) {
      throw new ConfigurationException(
          "evalFraction",
          "only "
              + pairs.size()
              + " pair(s), too few to hold out "
              + config.evalFraction()
              + " of them and train on the rest; give more pairs or a smaller eval fraction (0"
              + " holds out nothing)");
    }
    Path referenceFolder = config.reference() == null ? config.model() : config.reference();
    try (PolicyBackend backend = provider.create(config.backendConfig())) {
      LanguageModels lm = new BackendFacets(runtime.backends()).languageModels(backend);
      Tokenizer tokenizer = lm.loadTokenizer(config.model());
      // With adapters and no --reference, the reference is the policy's own base view (the task
      // takes it from the model it trains); otherwise a second model, loaded here.
      boolean baseView = config.lora() != null && config.reference() == null;
      try (LanguageModel reference = baseView ? null : lm.loadLanguageModel(referenceFolder)) {
        int context =
            reference == null
                ? TrainingRuns.checkpointContext(lm, referenceFolder)
                : reference.config().contextLength();
        int maxLength = config.maxLength() == 0 ? context : config.maxLength();
        if (maxLength > context) {
          throw new ConfigurationException(
              "maxLength",
              "maxLength "
                  + maxLength
                  + " is longer than the model's context of "
                  + context
                  + " tokens; use at most "
                  + context);
        }
        int maxPrompt = config.maxPromptLength() == 0 ? maxLength / 2 : config.maxPromptLength();
        if (maxPrompt >= maxLength) {
          throw new ConfigurationException(
              "maxPromptLength",
              "maxPromptLength "
                  + maxPrompt
                  + " leaves no room for a response within maxLength "
                  + maxLength
                  + "; make it smaller");
        }
        List<Tokens> all = new ArrayList<>();
        for (Pair p : pairs) {
          all.add(tokens(tokenizer, p, maxLength, maxPrompt));
        }
        boolean[] isEval = HeldOut.draw(all.size(), held, config.training().seed());
        List<Tokens> train = new ArrayList<>();
        List<Tokens> eval = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
          (isEval[i] ? eval : train).add(all.get(i));
        }
        String modelHash = Provenance.folderSha256(config.model());
        Map<String, Object> key = new LinkedHashMap<>();
        key.put("config", withoutRun(config, provider.id()));
        key.put("model_sha256", modelHash);
        key.put(
            "reference_sha256",
            config.reference() == null ? "" : Provenance.folderSha256(config.reference()));
        key.put("data", dataId);
        key.put("pairs", pairs);
        List<RunRecord.Input> inputs = new ArrayList<>();
        inputs.add(new RunRecord.Input("initial model", config.model().toString(), modelHash));
        if (config.reference() != null) {
          inputs.add(
              new RunRecord.Input(
                  "reference model",
                  config.reference().toString(),
                  (String) key.get("reference_sha256")));
        }
        inputs.add(new RunRecord.Input("preference pairs", dataId, null));
        RunRecord record =
            RunRecord.start(
                "train (offline DPO)",
                started,
                config,
                new RunRecord.Providers(
                    RunRecord.ProviderInfo.of(provider),
                    RunRecord.ProviderInfo.of(runtime.objectives().get(config.objective())),
                    null,
                    null),
                RunRecord.Device.of(backend.device()),
                inputs);
        TrainingLoop.Outcome outcome =
            TrainingLoop.run(
                lm,
                () ->
                    TrainingRuns.withLora(
                        lm,
                        lm.loadLanguageModel(config.model()),
                        config.lora(),
                        config.training().seed()),
                config.training(),
                new Preferences(train, eval, reference, objective, config.training().batchSize()),
                TrainingRuns.fingerprint(key),
                out,
                record,
                config.stopAfter(),
                progress);
        if (outcome.complete()) {
          Map<String, Object> summary = new LinkedHashMap<>();
          summary.put("steps", outcome.steps());
          for (String name :
              List.of(
                  "loss",
                  "rewards/accuracies",
                  "rewards/margins",
                  "eval_loss",
                  "eval_rewards/accuracies",
                  "eval_rewards/margins")) {
            summary.put(name, outcome.last(name));
          }
          record = record.finish(Instant.now(), summary);
          record.writeTo(out);
        }
        return new Result(outcome, train.size(), eval.size(), record);
      }
    }
  }

  /**
   * The config without what does not change the numbers (threads, device, stop), with the backend's
   * id.
   */
  private static Config withoutRun(Config c, String backend) {
    return new Config(
        c.model(),
        c.reference(),
        c.objective(),
        c.beta(),
        c.labelSmoothing(),
        c.maxLength(),
        c.maxPromptLength(),
        c.evalFraction(),
        c.training(),
        c.lora(),
        backend,
        BackendConfig.defaults(),
        0);
  }

  /** A pair as token ids: prompt, chosen and rejected, the responses ending with eos. */
  record Tokens(int[] prompt, int[] chosen, int[] rejected) {}

  /**
   * Tokenizes a pair and cuts it to the lengths (TRL's order: the prompt keeps its end, then the
   * responses keep their start).
   */
  static Tokens tokens(Tokenizer tokenizer, Pair p, int maxLength, int maxPrompt) {
    int[] prompt = tokenizer.encodePrompt(p.prompt());
    if (prompt.length == 0) {
      prompt = new int[] {tokenizer.endOfSequence()};
    }
    int[] chosen = withEnd(tokenizer, p.chosen());
    int[] rejected = withEnd(tokenizer, p.rejected());
    int longer = Math.max(chosen.length, rejected.length);
    if (prompt.length + longer > maxLength) {
      if (prompt.length > maxPrompt) {
        prompt = Arrays.copyOfRange(prompt, prompt.length - maxPrompt, prompt.length);
      }
      int room = maxLength - prompt.length;
      chosen = Arrays.copyOf(chosen, Math.min(chosen.length, room));
      rejected = Arrays.copyOf(rejected, Math.min(rejected.length, room));
    }
    return new Tokens(prompt, chosen, rejected);
  }

  private static int[] withEnd(Tokenizer tokenizer, String text) {
    int[] ids = tokenizer.encode(text);
    int[] out = Arrays.copyOf(ids, ids.length + 1);
    out[ids.length] = tokenizer.endOfSequence();
    return out;
  }

  /**
   * Offline DPO: a batch is a set of pairs; evaluation scores the held-out pairs. A null {@code
   * reference} is the trained model's own base view ({@link LanguageModel#withoutAdapters()}),
   * which lives with the model and is not closed separately.
   */
  private record Preferences(
      List<Tokens> train,
      List<Tokens> eval,
      LanguageModel reference,
      Objective objective,
      int evalBatch)
      implements TrainingLoop.Task {
    @Override
    public int examples() {
      return train.size();
    }

    @Override
    public Map<String, Double> train(LanguageModel model, LmTrainer trainer, int[] batch) {
      List<Tokens> pairs = new ArrayList<>();
      for (int i : batch) {
        pairs.add(train.get(i));
      }
      StepMetrics s = trainer.dpoStep(preferenceBatch(pairs), referenceOf(model), objective);
      return metrics(s);
    }

    @Override
    public Map<String, Double> evaluate(LanguageModel model, LmTrainer trainer) {
      if (eval.isEmpty()) {
        return Map.of();
      }
      // The held-out loss and implicit rewards, from the two models' log-probabilities.
      double n = eval.size();
      double loss = 0;
      double chosen = 0;
      double rejected = 0;
      double accuracy = 0;
      double logpsChosen = 0;
      double logpsRejected = 0;
      double beta = objective.beta();
      for (int from = 0; from < eval.size(); from += evalBatch) {
        PreferenceBatch b =
            preferenceBatch(eval.subList(from, Math.min(eval.size(), from + evalBatch)));
        List<int[]> prompts = new ArrayList<>(b.prompts());
        prompts.addAll(b.prompts());
        List<int[]> responses = new ArrayList<>(b.chosen());
        responses.addAll(b.rejected());
        double[] policy = model.sequenceLogProbs(prompts, responses);
        double[] ref = referenceOf(model).sequenceLogProbs(prompts, responses);
        int k = b.size();
        for (int i = 0; i < k; i++) {
          double c = policy[i] - ref[i];
          double r = policy[k + i] - ref[k + i];
          loss += objective.loss(c - r, 1.0) / n;
          chosen += beta * c / n;
          rejected += beta * r / n;
          accuracy += (c > r ? 1.0 : 0.0) / n;
          logpsChosen += policy[i] / n;
          logpsRejected += policy[k + i] / n;
        }
      }
      return metrics(
          new StepMetrics(
              loss,
              chosen,
              rejected,
              accuracy,
              logpsChosen,
              logpsRejected,
              Double.NaN,
              Double.NaN));
    }

    private LanguageModel referenceOf(LanguageModel model) {
      return reference == null ? model.withoutAdapters() : reference;
    }

    private static PreferenceBatch preferenceBatch(List<Tokens> pairs) {
      List<int[]> prompts = new ArrayList<>();
      List<int[]> chosen = new ArrayList<>();
      List<int[]> rejected = new ArrayList<>();
      for (Tokens t : pairs) {
        prompts.add(t.prompt());
        chosen.add(t.chosen());
        rejected.add(t.rejected());
      }
      return PreferenceBatch.hard(prompts, chosen, rejected);
    }

    /** TRL's names; the gradient norm and learning rate only where an update was made. */
    private static Map<String, Double> metrics(StepMetrics s) {
      Map<String, Double> m = new LinkedHashMap<>();
      m.put("loss", s.loss());
      m.put("rewards/chosen", s.rewardsChosen());
      m.put("rewards/rejected", s.rewardsRejected());
      m.put("rewards/accuracies", s.rewardsAccuracy());
      m.put("rewards/margins", s.rewardsMargin());
      m.put("logps/chosen", s.logpsChosen());
      m.put("logps/rejected", s.logpsRejected());
      if (!Double.isNaN(s.gradNorm())) {
        m.put("grad_norm", s.gradNorm());
        m.put("learning_rate", s.learningRate());
      }
      return m;
    }
  }
}
