package dpo.core.align;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.api.ConfigurationException;
import dpo.api.io.DurableFiles;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LanguageModels;
import dpo.api.lm.LmTrainer;
import dpo.api.lm.LoraConfig;
import dpo.api.lm.PreferenceBatch;
import dpo.api.lm.ReferenceLogProbs;
import dpo.api.lm.StepMetrics;
import dpo.api.lm.Tokenizer;
import dpo.api.lm.TrainerConfig;
import dpo.api.objective.Objective;
import dpo.api.oracle.BestWorstPair;
import dpo.api.oracle.RewardOracle;
import dpo.api.sampler.GenerationPlan;
import dpo.api.sampler.Sampler;
import dpo.core.lm.TrainingRuns;
import dpo.core.metrics.Divergence;
import dpo.core.provenance.Provenance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The paper's practical algorithm, iterated: each iteration draws K responses per training prompt
 * from the sampler's pair of distributions, scores them with the oracle, pairs the best against the
 * worst (ties dropped), trains the policy for some epochs with the objective, evaluates it and
 * checkpoints it. The policy is warm-started from the previous iteration; the reference stays the
 * initial model unless {@link AlignConfig#updateReference()}. {@link AlignConfig#resyncEvery()}
 * sets how often generation follows the policy, from offline (never) through iterative (once per
 * iteration) to fully online (every step). The reference's log-probabilities of a round's pairs are
 * computed once, when the pairs are made ({@link LmTrainer#referenceLogProbs}), and reused by every
 * step and epoch over them; {@link AlignConfig#gradientAccumulation()} batches make one step.
 *
 * <p>Resume: a run directory holds {@code checkpoints/iteration-N/} (the policy after iteration N),
 * {@code metrics.jsonl} and {@code state.json}, written in that order after each iteration;
 * state.json is the commit point. Every draw is seeded from (seed, iteration, ...), and the
 * optimizer is created afresh at the start of each iteration (its moments reset, as in iterative
 * DPO practice), so a run killed at any point and restarted continues from its last finished
 * iteration and ends exactly as an uninterrupted run.
 *
 * <p>LoRA: with a {@link LoraConfig} the policy is the initial model with fresh low-rank adapters,
 * the only weights trained; wherever the loop needs the initial model (reference, offline
 * generator, evaluation baseline and KL) it takes the policy with its adapters off ({@link
 * LanguageModel#withoutAdapters()}), the same weight arrays, so the base weights are held once.
 * Every checkpoint is then a PEFT adapter folder naming the initial model's folder, and a resumed
 * run loads its adapters from the last one.
 */
public final class OnlineDpoLoop {
  static final String STATE = "state.json";

  static final String METRICS = "metrics.jsonl";
  static final String CHECKPOINTS = "checkpoints";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final LanguageModels lm;
  private final Tokenizer tokenizer;
  private final RewardOracle oracle;
  private final GenerationEngine engine;
  private final Objective objective;
  private final GenerationPlan plan;
  private final AlignConfig config;
  private final LoraConfig lora;
  private final AlignProgress progress;

  /**
   * Sets up a loop; nothing runs until {@link #run}.
   *
   * @param lm the language models of the backend that owns the models
   * @param tokenizer maps prompts to ids ({@link Tokenizer#encodePrompt}) and responses to text
   * @param oracle scores responses; the caller closes it
   * @param sampler the pair distribution, realised by logit mixing (see {@link GenerationPlan})
   * @param objective the per-pair loss; its beta scales implicit-reward tilts
   * @param config the loop's settings
   * @param progress receives progress reports
   * @throws ConfigurationException if the sampler cannot generate text
   */
  public OnlineDpoLoop(
      LanguageModels lm,
      Tokenizer tokenizer,
      RewardOracle oracle,
      Sampler sampler,
      Objective objective,
      AlignConfig config,
      AlignProgress progress) {
    this(
        lm,
        tokenizer,
        oracle,
        new LocalGeneration(lm, tokenizer, oracle),
        sampler,
        objective,
        config,
        null,
        progress);
  }

  /**
   * Sets up a loop whose generation and scoring run on an engine, training every weight or low-rank
   * adapters on the initial model; nothing runs until {@link #run}.
   *
   * @param lm the language models of the backend that owns the models
   * @param tokenizer maps prompts to ids ({@link Tokenizer#encodePrompt}) and responses to text
   * @param oracle scores the evaluation's responses; the caller closes it
   * @param engine draws and scores the training responses; the caller closes it
   * @param sampler the pair distribution, realised by logit mixing (see {@link GenerationPlan})
   * @param objective the per-pair loss; its beta scales implicit-reward tilts
   * @param config the loop's settings
   * @param lora the adapters, or null to train every weight
   * @param progress receives progress reports
   * @throws ConfigurationException if the sampler cannot generate text, or adapters are asked for
   *     with {@link AlignConfig#updateReference()}
   */
  public OnlineDpoLoop(
      LanguageModels lm,
      Tokenizer tokenizer,
      RewardOracle oracle,
      GenerationEngine engine,
      Sampler sampler,
      Objective objective,
      AlignConfig config,
      LoraConfig lora,
      AlignProgress progress) {
    checkLora(config, lora);
    this.lm = lm;
    this.tokenizer = tokenizer;
    this.oracle = oracle;
    this.engine = engine;
    this.objective = objective;
    this.plan = GenerationPlan.of(sampler, objective.beta());
    this.config = config;
    this.lora = lora;
    this.progress = progress;
  }

  /**
   * Refuses adapters with a reference that follows the policy: with adapters the reference is the
   * policy's own base, which never changes.
   *
   * @param config the loop's settings
   * @param lora the adapters, or null
   * @throws ConfigurationException naming {@code updateReference}
   */
  static void checkLora(AlignConfig config, LoraConfig lora) {
    if (lora != null && config.updateReference()) {
      throw new ConfigurationException(
          "updateReference",
          "--update-reference cannot be combined with --lora-rank: with adapters the reference is"
              + " the policy's base with the adapters off, which training does not change; drop"
              + " one of the two");
    }
  }

  /**
   * Runs (or resumes) up to an iteration, resuming only a run folder of the same setup, and
   * optionally continuing the first iterations of another run.
   *
   * <p>The initial model is given loaded ({@code initial}) or as its checkpoint folder ({@code
   * initialFolder}, when {@code initial} is null). From a folder with adapters, the folder's model,
   * loaded once, is the policy's base and the loop's only copy of the weights (a resumed run loads
   * the last adapter checkpoint onto it instead); without, the folder is loaded as the initial
   * model and closed at the end.
   *
   * <p>Continuing another run ({@code start}): the paper's protocol runs iteration 1 once per seed,
   * on-policy, and every sampler continues from it. The other run's evaluations and metric lines
   * become this run's first ones, and its last checkpoint is the policy this run starts from (the
   * reference stays the initial model); since every draw is seeded from (seed, iteration, ...) and
   * the optimizer starts afresh each iteration, the result is that of a run whose first iterations
   * used the other run's sampler.
   *
   * @param initial the initial model (reference and starting policy); not changed, not closed; or
   *     null to start from {@code initialFolder}
   * @param initialFolder the initial model's checkpoint folder, used when {@code initial} is null;
   *     not changed
   * @param train training prompts
   * @param test evaluation prompts
   * @param dir the run directory (created; resumed if it holds a run with the same settings)
   * @param lastIteration the last iteration to run, then stop as if killed there (to test resume);
   *     {@code iterations} or more runs every iteration
   * @param setup a fingerprint of everything outside the loop that changes its numbers (the initial
   *     model's hash, the oracle and its options, the backend, the whole configuration); "" for
   *     none
   * @param start a finished run directory of the same setup whose iterations this run continues
   *     (its fingerprint becomes part of this run's), or null to start from the initial model
   * @return the evaluations of iterations 0 (the initial model) to {@code lastIteration} (at most
   *     {@code iterations})
   */
  public List<Evaluation> run(
      LanguageModel initial,
      Path initialFolder,
      List<Prompt> train,
      List<Prompt> test,
      Path dir,
      int lastIteration,
      String setup,
      Path start) {
    if (initial == null && lora == null) {
      try (LanguageModel model = lm.loadLanguageModel(initialFolder)) {
        return loop(model, null, train, test, dir, lastIteration, setup, start);
      }
    }
    return loop(
        initial,
        initial == null ? initialFolder : null,
        train,
        test,
        dir,
        lastIteration,
        setup,
        start);
  }

  /**
   * The loop from a loaded initial model or, with adapters, from its folder (one is null),
   * continuing {@code start} when it is not null.
   */
  private List<Evaluation> loop(
      LanguageModel initial,
      Path initialFolder,
      List<Prompt> train,
      List<Prompt> test,
      Path dir,
      int lastIteration,
      String setup,
      Path start) {
    if (train.isEmpty() || test.isEmpty()) {
      throw new ConfigurationException(
          "prompts",
          "the loop needs training and test prompts, got " + train.size() + " and " + test.size());
    }
    String startFingerprint = start == null ? "" : readFingerprint(start);
    String fingerprint =
        Provenance.sha256(
            (fingerprint(train, test) + setup + startFingerprint).getBytes(StandardCharsets.UTF_8));
    List<Evaluation> evaluations = new ArrayList<>();
    int done = readState(dir, fingerprint, evaluations);
    List<String> metrics = readMetrics(dir, done);
    Path from = dir;
    if (done == 0 && start != null) {
      from = start;
      evaluations.clear();
      done = readState(start, startFingerprint, evaluations);
      metrics = readMetrics(start, done);
    }
    List<int[]> trainIds = encode(train);
    Evaluator evaluator = new Evaluator(lm, tokenizer, oracle, evaluation());
    int last = Math.min(lastIteration, config.iterations());
    LanguageModel policy = policy(initial, initialFolder, from, done);
    LanguageModel owned = null;
    try {
      // With adapters the initial model is the policy with them off: the same weights, no copy.
      LanguageModel base = lora != null ? policy.withoutAdapters() : initial;
      Evaluator.Baseline baseline = evaluator.baseline(base, test);
      if (done == 0) {
        evaluations.clear();
        Evaluation first = evaluate(evaluator, 0, base, base, baseline);
        evaluations.add(first);
        metrics.clear();
        metrics.add(evalLine(first));
      }
      if (config.updateReference()) {
        owned = done == 0 ? initial.copy() : lm.loadLanguageModel(checkpoint(from, done));
      }
      LanguageModel reference = owned != null ? owned : base;
      for (int it = done + 1; it <= last; it++) {
        LanguageModel generator = config.offline() ? base : policy;
        List<String> lines = train(it, policy, reference, generator, train, trainIds);
        Evaluation ev = evaluate(evaluator, it, policy, base, baseline);
        lines.add(evalLine(ev));
        policy.save(checkpoint(dir, it));
        metrics.addAll(lines);
        DurableFiles.write(
            dir.resolve(METRICS), String.join("", metrics).getBytes(StandardCharsets.UTF_8));
        evaluations.add(ev);
        writeState(dir, fingerprint, it, evaluations);
        if (owned != null) {
          owned.copyFrom(policy);
        }
      }
    } finally {
      policy.close();
      if (owned != null) {
        owned.close();
      }
    }
    return List.copyOf(evaluations.subList(0, Math.min(evaluations.size(), last + 1)));
  }

  /**
   * The policy to train from iteration {@code done + 1}: the last checkpoint when resuming (with
   * adapters, an adapter folder loaded onto its base); else a copy of the initial model, or with
   * adapters the initial model (loaded from its folder, or copied when given loaded) with fresh
   * ones.
   */
  private LanguageModel policy(LanguageModel initial, Path initialFolder, Path dir, int done) {
    if (done > 0) {
      return lm.loadLanguageModel(checkpoint(dir, done));
    }
    if (lora == null) {
      return initial.copy();
    }
    return TrainingRuns.withLora(
        lm,
        initialFolder != null ? lm.loadLanguageModel(initialFolder) : initial.copy(),
        lora,
        mix(config.seed(), 6));
  }

  /** One iteration's generation and training; returns its metric lines. */
  private List<String> train(
      int it,
      LanguageModel policy,
      LanguageModel reference,
      LanguageModel generator,
      List<Prompt> train,
      List<int[]> trainIds) {
    List<String> lines = new ArrayList<>();
    int n = train.size();
    // Gradient accumulation: one optimizer step over this many pairs (see AlignConfig).
    int stepPairs = config.stepPairs();
    int roundSize = config.resyncEvery() > 0 ? config.resyncEvery() * stepPairs : n;
    int[] order = permutation(n, new SplittableRandom(mix(config.seed(), it, 1)));
    long totalSteps = 0;
    for (int start = 0; start < n; start += roundSize) {
      int size = Math.min(roundSize, n - start);
      totalSteps += (long) config.epochs() * ((size + stepPairs - 1) / stepPairs);
    }
    long step = 0;
    double firstLoss = Double.NaN;
    try (LmTrainer trainer = lm.newTrainer(policy, TrainerConfig.adamW(config.learningRate()))) {
      int round = 0;
      for (int start = 0; start < n; start += roundSize, round++) {
        int[] chunk = Arrays.copyOfRange(order, start, Math.min(n, start + roundSize));
        progress.update(it, "generate", start, n);
        List<Labelled> pairs =
            pairs(it, round, chunk, generator, reference, train, trainIds, lines);
        if (pairs.isEmpty()) {
          continue;
        }
        // The reference is frozen for the iteration: its log-probabilities of this round's pairs
        // are computed once, not again at every step and epoch.
        ReferenceLogProbs referenceLogps = trainer.referenceLogProbs(toBatch(pairs), reference);
        for (int epoch = 0; epoch < config.epochs(); epoch++) {
          int[] shuffled =
              permutation(
                  pairs.size(), new SplittableRandom(mix(config.seed(), it, 2, round, epoch)));
          for (int b = 0; b < pairs.size(); b += stepPairs) {
            int[] picked = Arrays.copyOfRange(shuffled, b, Math.min(pairs.size(), b + stepPairs));
            List<Labelled> batch = new ArrayList<>();
            for (int j : picked) {
              batch.add(pairs.get(j));
            }
            StepMetrics m =
                trainer.dpoStep(toBatch(batch), referenceLogps.select(picked), objective);
            if (Double.isNaN(firstLoss)) {
              firstLoss = m.loss();
            }
            checkDivergence(m.loss(), firstLoss, it, step + 1);
            step++;
            lines.add(trainLine(it, step, epoch, m));
            progress.update(it, "train", step, totalSteps);
          }
        }
      }
    }
    return lines;
  }

  /**
   * Generates K responses per prompt of a round on the engine, scores them and keeps the best-worst
   * pairs. Every draw of a prompt is seeded by (seed, iteration, prompt): its component, each of
   * its K responses and its label, so that the records do not depend on which prompts share a
   * round, a batch or a partition.
   */
  private List<Labelled> pairs(
      int it,
      int round,
      int[] chunk,
      LanguageModel generator,
      LanguageModel reference,
      List<Prompt> train,
      List<int[]> trainIds,
      List<String> lines) {
    List<GenerationEngine.PromptDraw> draws = new ArrayList<>(chunk.length);
    for (int p : chunk) {
      draws.add(draw(it, p, train.get(p).text(), trainIds.get(p)));
    }
    List<GenerationEngine.Generated> records = engine.generate(generator, reference, round(draws));
    if (records.size() != chunk.length) {
      throw new IllegalStateException(
          "the "
              + engine.id()
              + " generation engine returned "
              + records.size()
              + " records for "
              + chunk.length
              + " prompts");
    }
    int k = config.responsesPerPrompt();
    List<Labelled> pairs = new ArrayList<>();
    double rewardSum = 0;
    double marginSum = 0;
    for (int i = 0; i < chunk.length; i++) {
      GenerationEngine.Generated g = records.get(i);
      if (g.index() != chunk[i] || g.responses().size() != k) {
        throw new IllegalStateException(
            "the "
                + engine.id()
                + " generation engine returned record "
                + i
                + " for prompt "
                + g.index()
                + " with "
                + g.responses().size()
                + " responses, expected prompt "
                + chunk[i]
                + " with "
                + k);
      }
      double[] r = g.record().rewards().stream().mapToDouble(Double::doubleValue).toArray();
      for (double x : r) {
        rewardSum += x;
      }
      Optional<BestWorstPair> best = BestWorstPair.of(r, config.marginScale());
      if (best.isPresent()) {
        BestWorstPair p = best.get();
        double label =
            config
                .labelRule()
                .label(p.margin(), new SplittableRandom(mix(config.seed(), it, 5, chunk[i])));
        marginSum += p.margin();
        pairs.add(
            new Labelled(
                trainIds.get(chunk[i]),
                g.responses().get(p.chosen()),
                g.responses().get(p.rejected()),
                label));
      }
    }
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("type", "generation");
    line.put("iteration", it);
    line.put("round", round);
    line.put("prompts", chunk.length);
    line.put("pairs", pairs.size());
    line.put("ties_dropped", chunk.length - pairs.size());
    line.put("oracle/mean_reward", rewardSum / ((double) chunk.length * k));
    line.put("oracle/mean_margin", pairs.isEmpty() ? 0.0 : marginSum / pairs.size());
    lines.add(json(line));
    return pairs;
  }

  /** A training prompt's draws in an iteration: its component and the seed of each response. */
  private GenerationEngine.PromptDraw draw(int it, int prompt, String text, int[] ids) {
    int component = plan.pick(new SplittableRandom(mix(config.seed(), it, 3, prompt)).nextDouble());
    long[] seeds = new long[config.responsesPerPrompt()];
    for (int slot = 0; slot < seeds.length; slot++) {
      seeds[slot] = mix(config.seed(), it, 4, prompt, slot);
    }
    return new GenerationEngine.PromptDraw(prompt, text, ids, component, seeds);
  }

  /**
   * A round's draws: ceil(K/2) responses from each component's first distribution, the rest from
   * its second, at the training temperature.
   */
  private GenerationEngine.Round round(List<GenerationEngine.PromptDraw> draws) {
    int k = config.responsesPerPrompt();
    double[][][] weights = new double[plan.components().size()][k][];
    for (int c = 0; c < weights.length; c++) {
      GenerationPlan.Pair pair = plan.components().get(c);
      for (int slot = 0; slot < k; slot++) {
        weights[c][slot] = (slot < (k + 1) / 2 ? pair.first() : pair.second()).clone();
      }
    }
    GenerationConfig sampling =
        GenerationConfig.sampling(
                config.maxNewTokens(),
                config.temperature(),
                tokenizer.endOfSequence(),
                mix(config.seed(), 4))
            .withTokens(tokenizer);
    return new GenerationEngine.Round(draws, weights, sampling);
  }

  /** The evaluation's settings: the loop's, seeded so that every iteration draws alike. */
  private Evaluator.Settings evaluation() {
    return new Evaluator.Settings(
        config.maxNewTokens(),
        config.evalTemperature(),
        config.evalSamples(),
        config.klTemperature(),
        mix(config.seed(), 8));
  }

  private Evaluation evaluate(
      Evaluator evaluator,
      int it,
      LanguageModel policy,
      LanguageModel initial,
      Evaluator.Baseline baseline) {
    progress.update(Math.max(it, 1), "evaluate", 0, 1);
    Evaluation ev = evaluator.evaluate(it, policy, initial, baseline);
    progress.update(Math.max(it, 1), "evaluate", 1, 1);
    return ev;
  }

  private List<int[]> encode(List<Prompt> prompts) {
    return encode(tokenizer, prompts);
  }

  /**
   * The token ids of prompts as the models read them ({@link Prompt#modelText()}, encoded with the
   * tokenizer's special tokens).
   *
   * @throws ConfigurationException if a prompt has no tokens
   */
  static List<int[]> encode(Tokenizer tokenizer, List<Prompt> prompts) {
    List<int[]> ids = new ArrayList<>(prompts.size());
    for (Prompt p : prompts) {
      int[] t = tokenizer.encodePrompt(p.modelText());
      if (t.length == 0) {
        throw new ConfigurationException(
            "prompts", "prompt '" + p.text() + "' has no tokens; remove empty prompts");
      }
      ids.add(t);
    }
    return ids;
  }

  private static PreferenceBatch toBatch(List<Labelled> batch) {
    double[] labels = batch.stream().mapToDouble(Labelled::label).toArray();
    return new PreferenceBatch(
        batch.stream().map(Labelled::prompt).toList(),
        batch.stream().map(Labelled::chosen).toList(),
        batch.stream().map(Labelled::rejected).toList(),
        labels);
  }

  private static String trainLine(int it, long step, int epoch, StepMetrics m) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("type", "train");
    line.put("iteration", it);
    line.put("step", step);
    line.put("epoch", epoch);
    line.put("loss", m.loss());
    line.put("rewards/chosen", m.rewardsChosen());
    line.put("rewards/rejected", m.rewardsRejected());
    line.put("rewards/margins", m.rewardsMargin());
    line.put("rewards/accuracies", m.rewardsAccuracy());
    line.put("logps/chosen", m.logpsChosen());
    line.put("logps/rejected", m.logpsRejected());
    line.put("grad_norm", m.gradNorm());
    line.put("learning_rate", m.learningRate());
    return json(line);
  }

  private static String evalLine(Evaluation ev) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("type", "eval");
    line.put("iteration", ev.iteration());
    line.put("eval/reward", ev.reward());
    line.put("eval/reward_greedy", ev.rewardGreedy());
    line.put("eval/win_rate", ev.winRate());
    line.put("objective/kl", ev.kl());
    return json(line);
  }

  private static String json(Map<String, Object> line) {
    try {
      return JSON.writeValueAsString(line) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a metrics line", e);
    }
  }

  /** A loss that is not finite, or that grew by orders of magnitude ({@link Divergence}). */
  static void checkDivergence(double loss, double firstLoss, int iteration, long step) {
    Divergence.check("the DPO loss", loss, firstLoss, "iteration " + iteration + ", step " + step);
  }

  static Path checkpoint(Path dir, int iteration) {
    return dir.resolve(CHECKPOINTS).resolve("iteration-" + iteration);
  }

  /** What must match for a run directory to be resumed: settings, sampler, objective, prompts. */
  private String fingerprint(List<Prompt> train, List<Prompt> test) {
    StringBuilder b = new StringBuilder();
    b.append(config)
        .append('\n')
        .append(objective.getClass().getName())
        .append(' ')
        .append(objective.beta())
        .append('\n');
    for (GenerationPlan.Pair p : plan.components()) {
      b.append(p.probability())
          .append(Arrays.toString(p.first()))
          .append(Arrays.toString(p.second()))
          .append('\n');
    }
    if (lora != null) {
      // Only with adapters, so that runs without them keep their fingerprints.
      b.append("lora ").append(lora).append('\n');
    }
    b.append(fingerprint(train)).append('\u0000').append(fingerprint(test));
    return Provenance.sha256(b.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The prompts as text: a prompt's oracle text, and where the models read it otherwise (a
   * conversation) that text too; plain prompts keep the fingerprints of runs made before there were
   * two.
   */
  private static String fingerprint(List<Prompt> prompts) {
    StringBuilder b = new StringBuilder();
    for (Prompt p : prompts) {
      if (b.length() > 0) {
        b.append('\n');
      }
      b.append(p.text());
      if (!p.modelText().equals(p.text())) {
        b.append('\u0001').append(p.modelText());
      }
    }
    return b.toString();
  }

  /** The fingerprint of a run directory's state.json, which must exist. */
  private static String readFingerprint(Path dir) {
    Path file = dir.resolve(STATE);
    try {
      return JSON.readTree(file.toFile()).path("fingerprint").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read " + file + "; delete the run directory to start over", e);
    }
  }

  /**
   * The evaluations of iterations 0 to {@code lastIteration} of a run folder whose state.json
   * records at least that many finished iterations, as {@link #run} returns them when it resumes a
   * finished run; empty when the folder has no state.json or fewer iterations.
   *
   * @param dir a run directory
   * @param lastIteration the last iteration the run was to finish
   * @return the evaluations, or empty
   */
  public static Optional<List<Evaluation>> finished(Path dir, int lastIteration) {
    if (!Files.exists(dir.resolve(STATE))) {
      return Optional.empty();
    }
    List<Evaluation> evaluations = new ArrayList<>();
    if (readState(dir, null, evaluations) < lastIteration) {
      return Optional.empty();
    }
    return Optional.of(
        List.copyOf(evaluations.subList(0, Math.min(evaluations.size(), lastIteration + 1))));
  }

  /**
   * Reads state.json: the last finished iteration (0 if none) and the evaluations so far; a
   * fingerprint other than {@code fingerprint} (unless null) is refused.
   */
  private static int readState(Path dir, String fingerprint, List<Evaluation> evaluations) {
    Path file = dir.resolve(STATE);
    if (!Files.exists(file)) {
      return 0;
    }
    try {
      JsonNode state = JSON.readTree(file.toFile());
      if (fingerprint != null && !fingerprint.equals(state.path("fingerprint").asText())) {
        throw new ConfigurationException(
            "out",
            dir
                + " holds a run with other settings (model,"
                + " oracle, backend, reference, sampler, objective or prompts); choose another output"
                + " folder to keep both, or delete that one yourself to start over");
      }
      for (JsonNode e : state.path("evaluations")) {
        evaluations.add(
            new Evaluation(
                e.get("iteration").asInt(),
                e.get("reward").asDouble(),
                e.path("rewardGreedy").asDouble(Double.NaN),
                e.get("winRate").asDouble(),
                e.get("kl").asDouble()));
      }
      return state.path("completed").asInt();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read " + file + "; delete the run directory to start" + " over", e);
    }
  }

  private static void writeState(
      Path dir, String fingerprint, int completed, List<Evaluation> evaluations) {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("fingerprint", fingerprint);
    state.put("completed", completed);
    state.put("evaluations", evaluations);
    try {
      DurableFiles.write(
          dir.resolve(STATE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the run state", e);
    }
  }

  /** The metric lines of finished iterations; lines of an interrupted one are dropped. */
  private static List<String> readMetrics(Path dir, int done) {
    List<String> kept = new ArrayList<>();
    Path file = dir.resolve(METRICS);
    if (done == 0 || !Files.exists(file)) {
      return kept;
    }
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (!line.isBlank() && JSON.readTree(line).path("iteration").asInt() <= done) {
          kept.add(line + "\n");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return kept;
  }

  private static int[] permutation(int n, SplittableRandom random) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** A seed for one purpose, from the run's seed and the coordinates of the draw. */
  static long mix(long seed, long... parts) {
    long h = seed;
    for (long p : parts) {
      h = splitMix(h ^ splitMix(p + 0x632BE59BD9B4E019L));
    }
    return splitMix(h);
  }

  private static long splitMix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private record Labelled(int[] prompt, int[] chosen, int[] rejected, double label) {}
}
