package dpo.bench;

import com.google.inject.Provider;
import dpo.api.ProviderNotFoundException;
import dpo.api.io.DurableFiles;
import dpo.api.lm.ModelConfig;
import dpo.api.oracle.LabelRule;
import dpo.bench.chart.Charts;
import dpo.core.align.AlignConfig;
import dpo.core.align.AlignExperiment;
import dpo.core.align.Prompt;
import dpo.core.io.OutputFolder;
import dpo.core.provenance.RunRecord;
import dpo.datasets.synthetic.SyntheticTask;
import dpo.datasets.synthetic.SyntheticTasks;
import dpo.datasets.synthetic.WordTokenizer;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code dpo align}: the iterative online DPO loop on language models (docs/method.md §4). */
@Command(
    name = "align",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Align a language model with iterative online DPO under several samplers and compare them.",
      "",
      "Each iteration draws K responses per training prompt from the sampler's pair of"
          + " distributions, scores them with the oracle, trains on best-vs-worst pairs, and"
          + " evaluates on test prompts: the average reward of --eval-samples responses per prompt"
          + " at --eval-temperature (default: the training --temperature) and of the greedy"
          + " response, the win rate against the initial model's responses drawn the same way,"
          + " and KL(policy || initial): the exact per-token KL between the two models'"
          + " next-token distributions, summed over responses sampled from the policy at"
          + " temperature 1 and averaged (an unbiased estimate, never negative). Responses never"
          + " contain the unknown or padding token; the oracle receives the decoded text, in"
          + " which the tokenizer leaves special tokens (such as the final end token) out.",
      "",
      "The default is the bundled synthetic benchmark (task ordered-topics, a tiny GPT trained by"
          + " supervised fine-tuning as the reference, one per seed; --arch and --preset choose"
          + " another of the backend's models). Writes results.md,"
          + " results.csv, comparison.csv (paired differences of final reward with 95%% bootstrap"
          + " intervals), comparison_at_kl.csv (the same at common KL levels), reward_vs_kl.png"
          + " and reward_vs_kl_bands.png (and .svg), and run.json to --out, and per run metrics.jsonl,"
          + " checkpoints and state.json under runs/. Rerunning the same command resumes.",
      "",
      "LoRA: with --lora-rank R only low-rank adapters on the initial model are trained; the"
          + " reference (and the initial model of the evaluation) is the policy with them off, no"
          + " second copy of the weights, and every checkpoint is a PEFT adapter folder naming the"
          + " initial model's folder. Not with --update-reference.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  dpo align                                   # the bundled benchmark (10 seeds)",
      "  dpo align --quick --out results/align-quick  # a one-minute smoke run",
      "  dpo align --prompts prompts.txt --oracle command --oracle-option command='python rm.py'"
          + " --model gpt2-sft/ --samplers mix-p,on-policy"
    })
final class AlignCommand implements Callable<Integer>, UserErrors.Fields, UserErrors.Trains {
  static final int MODEL_WIDTH = 64;
  static final int MODEL_LAYERS = 2;
  static final int MODEL_HEADS = 4;

  /** The sampler of the paper protocol's shared first iteration. */
  static final String PAPER_FIRST_ITERATION = "on-policy";

  @Spec CommandSpec spec;

  private final Provider<AlignExperiment> experiment;

  @Inject
  AlignCommand(Provider<AlignExperiment> experiment) {
    this.experiment = experiment;
  }

  /** The synthetic task of the full benchmark, and of --quick. */
  static final String FULL_TASK = "ordered-topics";

  static final String QUICK_TASK = "safe-helpful";

  @Option(
      names = "--task",
      paramLabel = "NAME",
      description =
          "Bundled synthetic task: ordered-topics (the default) or safe-helpful (the default with"
              + " --quick); ignored with --prompts.")
  String task;

  @Option(
      names = "--prompts",
      paramLabel = "FILE",
      description =
          "Your prompts: a dataset file (.jsonl, .json, .parquet; any format 'dpo data' reads) or a .txt file with one prompt per line; needs --oracle and --model.")
  Path promptsFile;

  @Option(
      names = "--oracle",
      paramLabel = "ID",
      description = "Reward oracle id (default: synthetic for --task, required with --prompts).")
  String oracleId;

  @Option(
      names = "--oracle-option",
      paramLabel = "NAME=VALUE",
      description = "An oracle option, e.g. command='python score.py' (repeatable).")
  Map<String, String> oracleOptions = new LinkedHashMap<>();

  @Option(
      names = "--model",
      paramLabel = "DIR",
      description =
          "Initial model checkpoint (config.json, model.safetensors, tokenizer.json);"
              + " with --prompts.")
  Path model;

  @Option(
      names = "--samplers",
      paramLabel = "ID,ID,...",
      split = ",",
      hideParamSyntax = true,
      defaultValue = "vanilla,on-policy,hybrid,mix-p",
      description =
          "Sampler ids (default: ${DEFAULT-VALUE}); also mix-p-on-policy, simplemix, best-of-4"
              + " and best-of-8 (which fix K themselves). Samplers"
              + " that tilt by the true reward, draw uniform responses or mix partition-weighted"
              + " components cannot run on a language model and are refused with the reason.")
  List<String> samplers;

  @Option(
      names = "--sampler-option",
      paramLabel = "ID.NAME=VALUE",
      description =
          "A sampler's option, e.g. simplemix.on-policy=0.3 (the share of on-policy pairs;"
              + " default 0.5) (repeatable).")
  Map<String, String> samplerOptions = new LinkedHashMap<>();

  @Option(
      names = "--iterations",
      paramLabel = "N",
      defaultValue = "3",
      description = "Iterations (default: ${DEFAULT-VALUE}; 4 with task ordered-topics).")
  int iterations;

  @Option(
      names = "--seeds",
      paramLabel = "N",
      defaultValue = "10",
      description =
          "Seeds per sampler; each seed is one paired observation of every comparison"
              + " (default: ${DEFAULT-VALUE}).")
  int seeds;

  @Option(
      names = "--seed",
      paramLabel = "SEED",
      defaultValue = "1",
      description = "First seed; seeds are SEED, SEED+1, ... (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      defaultValue = "results/align",
      description =
          "Output directory; rerunning with the same one resumes (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--backend",
      paramLabel = "ID",
      defaultValue = "djl",
      description = "Backend with language models (default: ${DEFAULT-VALUE}).")
  String backendId;

  @Option(
      names = "--train-prompts",
      paramLabel = "N",
      defaultValue = "1024",
      description = "Training prompts (default: ${DEFAULT-VALUE}; 512 with task ordered-topics).")
  int trainPrompts;

  @Option(
      names = "--test-prompts",
      paramLabel = "N",
      defaultValue = "512",
      description = "Test prompts (default: ${DEFAULT-VALUE}; 256 with task ordered-topics).")
  int testPrompts;

  @Option(
      names = {"-k", "--responses"},
      paramLabel = "K",
      defaultValue = "2",
      description =
          "Responses per prompt; best vs worst is trained on (default: ${DEFAULT-VALUE}).")
  int responses;

  @Option(
      names = "--epochs",
      paramLabel = "E",
      defaultValue = "2",
      description = "Epochs over each iteration's pairs (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--batch-size",
      paramLabel = "B",
      defaultValue = "16",
      description = "Pairs per step (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--grad-accumulation",
      paramLabel = "K",
      defaultValue = "1",
      description =
          "Batches of --batch-size pairs per optimizer step, their gradients accumulated (TRL's"
              + " gradient_accumulation_steps): the update equals one step on K x B pairs. Memory"
              + " does not grow with either, as every forward pass holds at most 1,024 tokens"
              + " (default: ${DEFAULT-VALUE}).")
  int gradAccumulation;

  @Option(
      names = "--beta",
      paramLabel = "BETA",
      defaultValue = "0.5",
      description = "KL coefficient (default: ${DEFAULT-VALUE}; 0.2 with task ordered-topics).")
  double beta;

  @Option(
      names = "--lr",
      paramLabel = "LR",
      defaultValue = "3e-4",
      description =
          "AdamW learning rate of DPO (default: ${DEFAULT-VALUE}; 1e-4 with task ordered-topics).")
  double lr;

  @Option(
      names = "--objective",
      paramLabel = "ID",
      defaultValue = "sigmoid",
      description = "Per-pair loss: sigmoid (DPO), ipo or hinge (default: ${DEFAULT-VALUE}).")
  String objectiveId;

  @Option(
      names = "--max-new-tokens",
      paramLabel = "N",
      defaultValue = "0",
      description = "Tokens per response; 0 = the task's longest useful response + 1.")
  int maxNewTokens;

  @Option(
      names = "--temperature",
      paramLabel = "T",
      defaultValue = "1.0",
      description = "Temperature of the training responses (default: ${DEFAULT-VALUE}).")
  double temperature;

  @Option(
      names = "--eval-temperature",
      paramLabel = "T",
      description =
          "Temperature of the evaluation responses (reward and win rate); 0 = greedy"
              + " (default: --temperature). The greedy reward is reported beside it.")
  Double evalTemperature;

  @Option(
      names = "--eval-samples",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Responses per test prompt at --eval-temperature, and samples per test prompt"
              + " that estimate the KL (default: ${DEFAULT-VALUE}; 4 with task ordered-topics).")
  int evalSamples;

  @Option(
      names = "--split-seed",
      paramLabel = "fixed|per-seed",
      defaultValue = "fixed",
      description =
          "With --prompts: 'fixed' holds out the same test prompts for every seed, so a seed"
              + " changes only the random draws (responses, labels, batch order, evaluation"
              + " samples); 'per-seed' shuffles the prompts with each seed before the split, so"
              + " the train/test split varies too (default: ${DEFAULT-VALUE}). The synthetic"
              + " task draws its prompts and reference from each seed either way.")
  String splitSeed;

  @Option(
      names = "--margin-scale",
      paramLabel = "S",
      defaultValue = "4",
      description = "Scale of the reward gap before labelling (default: ${DEFAULT-VALUE}).")
  double marginScale;

  @Option(
      names = "--label-rule",
      paramLabel = "soft|hard|bernoulli",
      defaultValue = "soft",
      description = "Label from the scaled gap (default: ${DEFAULT-VALUE}).")
  String labelRule;

  @Option(
      names = "--resync-every",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Generation follows the policy: 0 once per iteration (iterative), N every N"
              + " steps (1 = fully online), -1 never (offline) (default: ${DEFAULT-VALUE}).")
  int resyncEvery;

  @Option(
      names = "--update-reference",
      description = "Make the policy the reference after each iteration.")
  boolean updateReference;

  @Option(
      names = "--arch",
      paramLabel = "llama|gpt2",
      description =
          "Architecture of the synthetic task's reference, a fresh model of the backend's"
              + " --preset trained by --sft-steps supervised steps, with the task's vocabulary"
              + " (default: a GPT-2 of width 64, 2 layers, 4 heads); ignored with --prompts.")
  String arch;

  @Option(
      names = "--preset",
      paramLabel = "NAME",
      description =
          "Size of that reference, one of the backend's presets as 'lm train' takes them: tiny or"
              + " smollm-135m for djl (default with --arch: tiny).")
  String preset;

  @Option(
      names = "--sft-steps",
      paramLabel = "N",
      defaultValue = "1000",
      description =
          "Supervised steps that make the synthetic task's reference (default: ${DEFAULT-VALUE}).")
  int sftSteps;

  /** Low-rank adapters instead of every weight, as in {@code lm train} and {@code train}. */
  @Mixin LoraOptions adapters = new LoraOptions();

  @Mixin BackendOptions backendOptions = new BackendOptions();

  @Option(
      names = "--engine",
      paramLabel = "local|spark",
      defaultValue = "local",
      description =
          "Where each iteration's generation and oracle scoring run: local (this JVM) or spark"
              + " (a Spark job per round: the models broadcast, the prompts partitioned, one"
              + " oracle per executor task slot; Spark's log in OUT/spark.log, no web UI). Every"
              + " draw is seeded per prompt, so the results are the same (default:"
              + " ${DEFAULT-VALUE}).")
  String engine;

  @Option(
      names = "--master",
      paramLabel = "URL",
      description =
          "With --engine spark: local[N], local[*] (default) or spark://HOST:PORT of a"
              + " standalone cluster.")
  String master;

  @Option(
      names = "--distribute",
      paramLabel = "generation|runs",
      defaultValue = "generation",
      description =
          "With --engine spark, what runs as Spark tasks: generation (each iteration's generation"
              + " and scoring, training here) or runs (every seed x sampler run whole, one task"
              + " each, after this JVM made each seed's reference; --out must then be on storage"
              + " that the driver and every worker share). The results are the same (default:"
              + " ${DEFAULT-VALUE}).")
  String distribute;

  @Option(
      names = "--quick",
      description =
          "A small configuration for smoke tests and CI: 2 seeds, 2 iterations, 64 train"
              + " and 32 test prompts, 100 SFT steps, task safe-helpful unless --task is given.")
  boolean quick;

  @Option(
      names = "--protocol",
      paramLabel = "default|paper|paper-iterative",
      defaultValue = "default",
      description =
          "'paper': the paper's protocol: iteration 1 on-policy, run once per seed and continued"
              + " by every sampler; the reference fixed at the initial model; soft labels;"
              + " K = 2; temperature 0.7; margin scale 4 (Safe-RLHF). 'paper-iterative': the same"
              + " with margin scale 1 and the samplers vanilla,on-policy,hybrid,mix-p-on-policy"
              + " (the mixed pair with probability 0.7, an on-policy pair with 0.3), the paper's"
              + " Iterative-Prompt setting. An explicit option that contradicts the protocol is"
              + " refused (default: ${DEFAULT-VALUE}).")
  String protocol;

  @Option(
      names = "--stop-after",
      hidden = true,
      defaultValue = "0",
      description = "Stop every run after this iteration, as if killed (tests resume).")
  int stopAfter;

  @Override
  public Map<String, String> fieldOptions() {
    return Map.of(
        "responsesPerPrompt",
        "--responses",
        "learningRate",
        "--lr",
        "maxNewTokens",
        "--max-new-tokens",
        "oracle.",
        "--oracle-option",
        "sampler.",
        "--sampler-option",
        "reference",
        "--model",
        "gradientAccumulation",
        "--grad-accumulation");
  }

  @Override
  public String divergenceFix() {
    return "lower --lr (now " + lr + ") or --beta (now " + beta + ")";
  }

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    if (quick) {
      applyQuick();
    }
    applyProtocol();
    checkOptions();
    if (task == null) {
      task = quick ? QUICK_TASK : FULL_TASK;
    }
    if (promptsFile == null && task.equals(FULL_TASK)) {
      applyFullTaskDefaults();
    }
    SyntheticTask synthetic =
        promptsFile == null
            ? SyntheticTasks.find(task)
                .orElseThrow(
                    () -> new ProviderNotFoundException("task", task, SyntheticTasks.ids()))
            : null;
    String oracle = oracleId != null ? oracleId : "synthetic";
    Map<String, String> options = new LinkedHashMap<>(oracleOptions);
    if (synthetic != null && oracle.equals("synthetic")) {
      options.putIfAbsent("task", synthetic.id());
    }
    int newTokens =
        maxNewTokens > 0 ? maxNewTokens : synthetic != null ? synthetic.maxResponseWords() + 1 : 64;
    AlignExperiment.Inputs inputs = synthetic != null ? syntheticInputs(synthetic) : fileInputs();
    AlignExperiment.Reference reference =
        synthetic != null
            ? syntheticReference(synthetic, newTokens)
            : new AlignExperiment.Reference.Checkpoint(model);
    AlignExperiment.Config config =
        new AlignExperiment.Config(
            samplers,
            objectiveId,
            beta,
            backendId,
            backendOptions.config(),
            oracle,
            options,
            seeds,
            seed,
            loopConfig(newTokens, seed),
            reference,
            stopAfter,
            adapters.lora(),
            new AlignExperiment.Engine(engine, master, distribute),
            protocol.equals("default") ? null : PAPER_FIRST_ITERATION,
            samplerOptions());
    AlignExperiment experiment = this.experiment.get();
    experiment.check(config);
    try (OutputFolder folder = OutputFolder.claim(out, "out")) {
      ProgressBar bar =
          new ProgressBar(
              spec.commandLine().getErr(),
              // The protocol's shared first iteration is one more run per seed.
              (samplers.size() + (config.sharedFirstIteration() != null ? 1 : 0)) * seeds,
              iterations);
      AlignExperiment.Result result = experiment.run(config, inputs, folder.path(), bar);
      if (!result.complete()) {
        stdout.println(
            "stopped after iteration " + stopAfter + "; rerun without --stop-after to" + " resume");
        stdout.flush();
        return 0;
      }
      AlignReport report = new AlignReport(result.evaluations());
      Map<String, byte[]> files = new LinkedHashMap<>();
      files.put("results.csv", report.csv().getBytes(StandardCharsets.UTF_8));
      files.put(
          "results.md",
          report.markdown(describe(synthetic, oracle, newTokens)).getBytes(StandardCharsets.UTF_8));
      files.put("comparison.csv", report.comparisonCsv().getBytes(StandardCharsets.UTF_8));
      files.put(
          "comparison_at_kl.csv", report.comparisonAtKlCsv().getBytes(StandardCharsets.UTF_8));
      files.putAll(Charts.files("reward_vs_kl", report.rewardVsKl(), 900, 600));
      files.putAll(Charts.files("reward_vs_kl_bands", report.rewardVsKlBands(), 900, 600));
      files.put(RunRecord.FILE, result.record().toJson());
      DurableFiles.writeAll(folder.path(), files);
      stdout.print(report.table());
      stdout.println();
      stdout.println(
          "wrote "
              + out.resolve("results.md")
              + ", results.csv, comparison.csv, comparison_at_kl.csv, reward_vs_kl.png and"
              + " reward_vs_kl_bands.png (and .svg),"
              + " run.json and runs/ ("
              + Duration.between(Instant.parse(result.record().started()), Instant.now())
                  .toSeconds()
              + " s)");
      stdout.flush();
      return 0;
    }
  }

  /** The synthetic task's prompts and demonstrations of each seed. */
  private AlignExperiment.Inputs syntheticInputs(SyntheticTask t) {
    if (trainPrompts + testPrompts > t.promptCount()) {
      throw new ParameterException(
          spec.commandLine(),
          "--train-prompts + --test-prompts must be"
              + " at most "
              + t.promptCount()
              + " for task "
              + t.id());
    }
    return new AlignExperiment.Inputs() {
      @Override
      public String id() {
        return "task "
            + t.id()
            + ", prompts 0.."
            + (trainPrompts - 1)
            + " train, "
            + trainPrompts
            + ".."
            + (trainPrompts + testPrompts - 1)
            + " test, 4 demonstrations"
            + " per train prompt, half good"
            + (t.corpusSeed(1) == t.corpusSeed(2)
                ? " (one demonstration corpus for every seed, of the prompts of seed "
                    + t.corpusSeed(1)
                    + ")"
                : "");
      }

      @Override
      public List<Prompt> train(long runSeed) {
        return Prompt.of(t.prompts(0, trainPrompts, runSeed));
      }

      @Override
      public List<Prompt> test(long runSeed) {
        return Prompt.of(t.prompts(trainPrompts, testPrompts, runSeed));
      }

      @Override
      public List<AlignExperiment.Demonstration> demonstrations(long runSeed) {
        return t.sftData(0, trainPrompts, 4, 0.5, t.corpusSeed(runSeed)).stream()
            .map(d -> new AlignExperiment.Demonstration(d.prompt(), d.response()))
            .toList();
      }
    };
  }

  /** The synthetic benchmark's reference: a tiny GPT after --sft-steps supervised steps. */
  private AlignExperiment.Reference syntheticReference(SyntheticTask t, int newTokens) {
    WordTokenizer tokenizer = new WordTokenizer(t.vocabulary());
    ModelConfig shape =
        new ModelConfig(
            tokenizer.vocabularySize(),
            MODEL_WIDTH,
            MODEL_LAYERS,
            MODEL_HEADS,
            1 + t.maxPromptWords() + newTokens);
    return new AlignExperiment.Reference.Supervised(
        shape,
        sftSteps,
        3e-3,
        32,
        tokenizer,
        tokenizer.toHuggingFaceJson().getBytes(StandardCharsets.UTF_8),
        arch,
        arch == null ? null : preset != null ? preset : "tiny");
  }

  /**
   * The user's prompts: the last fifth, up to --test-prompts, are held out; with --split-seed
   * per-seed, of the prompts shuffled by each seed.
   */
  private AlignExperiment.Inputs fileInputs() {
    List<Prompt> lines;
    try {
      lines = PromptFiles.forAlignment(promptsFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + promptsFile + " (" + e.getMessage() + ")", e);
    }
    int test = Math.min(testPrompts, lines.size() / 5);
    if (lines.size() < 2 || test < 1) {
      throw new ParameterException(
          spec.commandLine(),
          "--prompts: "
              + promptsFile
              + " has "
              + lines.size()
              + " prompts; at least 5 are needed (the last fifth, up to"
              + " --test-prompts, are held out for evaluation)");
    }
    return promptSplit(
        lines, trainPrompts, test, splitSeed.equals("per-seed"), promptsFile.toString());
  }

  /**
   * Train and test prompts of each seed: the last {@code test} prompts are held out, the first
   * {@code trainPrompts} of the rest train; with {@code perSeed}, of the prompts shuffled by the
   * seed.
   */
  static AlignExperiment.Inputs promptSplit(
      List<Prompt> lines, int trainPrompts, int test, boolean perSeed, String source) {
    int trainCount = Math.min(trainPrompts, lines.size() - test);
    String hash = PromptFiles.sha256(lines);
    return new AlignExperiment.Inputs() {
      @Override
      public String id() {
        return "prompts "
            + source
            + " (SHA-256 of the prompts "
            + hash
            + "), "
            + trainCount
            + " train, "
            + test
            + " test; "
            + (perSeed
                ? "split per seed (--split-seed per-seed): each seed shuffles the prompts before"
                    + " holding out the last ones"
                : "split fixed (--split-seed fixed): the last prompts are held out for every"
                    + " seed, a seed changes only the random draws");
      }

      @Override
      public List<Prompt> train(long runSeed) {
        return ordered(runSeed).subList(0, trainCount);
      }

      @Override
      public List<Prompt> test(long runSeed) {
        List<Prompt> all = ordered(runSeed);
        return all.subList(all.size() - test, all.size());
      }

      private List<Prompt> ordered(long runSeed) {
        return perSeed ? shuffled(lines, runSeed) : lines;
      }
    };
  }

  /** A copy of a list in the order of a Fisher-Yates shuffle seeded by {@code seed}. */
  static <T> List<T> shuffled(List<T> items, long seed) {
    List<T> out = new java.util.ArrayList<>(items);
    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
    for (int i = out.size() - 1; i > 0; i--) {
      java.util.Collections.swap(out, i, random.nextInt(i + 1));
    }
    return List.copyOf(out);
  }

  /** The loop's settings; violations name this command's options. */
  private AlignConfig loopConfig(int newTokens, long runSeed) {
    LabelRule rule;
    try {
      rule = LabelRule.fromId(labelRule);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--label-rule: " + e.getMessage());
    }
    return new AlignConfig(
        iterations,
        responses,
        epochs,
        batchSize,
        lr,
        newTokens,
        temperature,
        evalTemperature != null ? evalTemperature : temperature,
        evalSamples,
        1.0,
        marginScale,
        rule,
        resyncEvery,
        updateReference,
        runSeed,
        gradAccumulation);
  }

  private void applyQuick() {
    CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    if (!parsed.hasMatchedOption("--seeds")) {
      seeds = 2;
    }
    if (!parsed.hasMatchedOption("--iterations")) {
      iterations = 2;
    }
    if (!parsed.hasMatchedOption("--train-prompts")) {
      trainPrompts = 64;
    }
    if (!parsed.hasMatchedOption("--test-prompts")) {
      testPrompts = 32;
    }
    if (!parsed.hasMatchedOption("--sft-steps")) {
      sftSteps = 100;
    }
  }

  /**
   * The settings of the ordered-topics benchmark, where not given: its longer responses make each
   * prompt dearer (512 train and 256 test prompts keep the full benchmark near half an hour on two
   * cores), a smaller beta and learning rate keep it improving after the first iteration, and four
   * evaluation responses per test prompt shrink the evaluation's sampling noise, which would
   * otherwise hide differences between samplers of a few thousandths of reward.
   */
  private void applyFullTaskDefaults() {
    CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    if (!parsed.hasMatchedOption("--beta")) {
      beta = 0.2;
    }
    if (!parsed.hasMatchedOption("--lr")) {
      lr = 1e-4;
    }
    if (quick) {
      return;
    }
    if (!parsed.hasMatchedOption("--iterations")) {
      iterations = 4;
    }
    if (!parsed.hasMatchedOption("--train-prompts")) {
      trainPrompts = 512;
    }
    if (!parsed.hasMatchedOption("--test-prompts")) {
      testPrompts = 256;
    }
    if (!parsed.hasMatchedOption("--eval-samples")) {
      evalSamples = 4;
    }
  }

  /** --sampler-option ID.NAME=VALUE as options by sampler id. */
  private Map<String, Map<String, String>> samplerOptions() {
    Map<String, Map<String, String>> byId = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : samplerOptions.entrySet()) {
      int dot = e.getKey().indexOf('.');
      if (dot <= 0 || dot == e.getKey().length() - 1) {
        throw new ParameterException(
            spec.commandLine(),
            "--sampler-option must be ID.NAME=VALUE (e.g. simplemix.on-policy=0.3), got '"
                + e.getKey()
                + "="
                + e.getValue()
                + "'");
      }
      byId.computeIfAbsent(e.getKey().substring(0, dot), k -> new LinkedHashMap<>())
          .put(e.getKey().substring(dot + 1), e.getValue());
    }
    return byId;
  }

  /**
   * The paper's protocol: the settings it fixes, each refused when given explicitly with another
   * value.
   */
  private void applyProtocol() {
    if (protocol.equals("default")) {
      return;
    }
    if (!protocol.equals("paper") && !protocol.equals("paper-iterative")) {
      throw new ParameterException(
          spec.commandLine(),
          "--protocol must be default, paper or paper-iterative, got '" + protocol + "'");
    }
    boolean iterative = protocol.equals("paper-iterative");
    responses = fixed("--responses", responses, 2);
    temperature = fixed("--temperature", temperature, 0.7);
    labelRule = fixed("--label-rule", labelRule, "soft");
    marginScale = fixed("--margin-scale", marginScale, iterative ? 1.0 : 4.0);
    resyncEvery = fixed("--resync-every", resyncEvery, 0);
    if (updateReference) {
      throw new ParameterException(
          spec.commandLine(),
          "--update-reference contradicts --protocol "
              + protocol
              + ", which keeps the reference fixed at the initial model; drop one of them");
    }
    if (!spec.commandLine().getParseResult().hasMatchedOption("--samplers")) {
      samplers =
          iterative
              ? List.of("vanilla", "on-policy", "hybrid", "mix-p-on-policy")
              : List.of("vanilla", "on-policy", "hybrid", "mix-p");
    }
  }

  /** The protocol's value of an option, or the refusal of an explicit other value. */
  private <T> T fixed(String option, T current, T value) {
    if (spec.commandLine().getParseResult().hasMatchedOption(option) && !current.equals(value)) {
      throw new ParameterException(
          spec.commandLine(),
          option
              + " "
              + current
              + " contradicts --protocol "
              + protocol
              + ", which sets "
              + option
              + " "
              + value
              + "; drop one of them");
    }
    return value;
  }

  private void checkOptions() {
    if (seeds < 1) {
      throw new ParameterException(spec.commandLine(), "--seeds must be >= 1, got " + seeds);
    }
    if (trainPrompts < 1 || testPrompts < 1) {
      throw new ParameterException(
          spec.commandLine(), "--train-prompts and --test-prompts must be >= 1");
    }
    if (sftSteps < 0) {
      throw new ParameterException(spec.commandLine(), "--sft-steps must be >= 0");
    }
    if (stopAfter < 0) {
      throw new ParameterException(spec.commandLine(), "--stop-after must be >= 0");
    }
    if (preset != null && arch == null) {
      throw new ParameterException(
          spec.commandLine(), "--preset needs --arch llama|gpt2 (the reference's architecture)");
    }
    if (arch != null && promptsFile != null) {
      throw new ParameterException(
          spec.commandLine(),
          "--arch and --preset make the synthetic task's reference; with --prompts the initial"
              + " model is --model");
    }
    // --lora-rank with --update-reference is refused by AlignExperiment.Config, naming both.
    adapters.check(spec);
    if (!splitSeed.equals("fixed") && !splitSeed.equals("per-seed")) {
      throw new ParameterException(
          spec.commandLine(), "--split-seed must be fixed or per-seed, got '" + splitSeed + "'");
    }
    if (master != null && !engine.equals("spark")) {
      throw new ParameterException(
          spec.commandLine(),
          "--master applies only with --engine spark (now --engine "
              + engine
              + "); add --engine spark or drop --master");
    }
    if (!distribute.equals(AlignExperiment.Engine.GENERATION)
        && !distribute.equals(AlignExperiment.Engine.RUNS)) {
      throw new ParameterException(
          spec.commandLine(), "--distribute must be generation or runs, got '" + distribute + "'");
    }
    if (distribute.equals(AlignExperiment.Engine.RUNS) && !engine.equals("spark")) {
      throw new ParameterException(
          spec.commandLine(),
          "--distribute runs needs --engine spark (now --engine "
              + engine
              + "); add --engine spark or drop --distribute");
    }
    if (promptsFile != null && (oracleId == null || model == null)) {
      throw new ParameterException(
          spec.commandLine(),
          "--prompts needs --oracle ID (e.g. command) and --model DIR (the initial checkpoint)");
    }
  }

  private String describe(SyntheticTask synthetic, String oracle, int newTokens) {
    String data =
        synthetic != null
            ? "task "
                + synthetic.id()
                + ", "
                + trainPrompts
                + " train / "
                + testPrompts
                + " test prompts per seed, reference = "
                + (arch == null
                    ? "tiny GPT (width " + MODEL_WIDTH + ", " + MODEL_LAYERS + " layers)"
                    : arch + " preset " + (preset != null ? preset : "tiny"))
                + " after "
                + sftSteps
                + " SFT steps on half good, half poor"
                + " demonstrations"
                + (synthetic.corpusSeed(seed) == synthetic.corpusSeed(seed + 1)
                    ? " (one corpus for every seed; the seed varies the initialisation and batch"
                        + " order)"
                    : "")
            : "prompts " + promptsFile + " (split " + splitSeed + "), initial model " + model;
    return data
        + "; oracle "
        + oracle
        + "; "
        + iterations
        + " iterations, K = "
        + responses
        + ", "
        + epochs
        + " epochs, batch "
        + batchSize
        + ", beta "
        + beta
        + ", lr "
        + lr
        + ", objective "
        + objectiveId
        + ", "
        + newTokens
        + " new tokens at temperature "
        + temperature
        + ", evaluation at temperature "
        + (evalTemperature != null ? evalTemperature : temperature)
        + " ("
        + evalSamples
        + (evalSamples == 1 ? " response" : " responses")
        + " per test prompt)"
        + ", margin scale "
        + marginScale
        + ", "
        + labelRule
        + " labels, resync "
        + (resyncEvery == 0
            ? "once per iteration"
            : resyncEvery < 0 ? "never (offline)" : "every " + resyncEvery + " steps")
        + (updateReference ? ", reference updated each iteration" : ", fixed reference")
        + (adapters.lora() == null
            ? ""
            : ", LoRA adapters (rank "
                + adapters.lora().rank()
                + ", alpha "
                + adapters.lora().alpha()
                + ", targets "
                + (adapters.lora().targets().isEmpty()
                    ? "the family's default"
                    : String.join(",", adapters.lora().targets()))
                + ") on the reference, which is the policy with them off")
        + (samplerOptions.isEmpty() ? "" : ", sampler options " + samplerOptions)
        + (protocol.equals("default")
            ? ""
            : ", protocol "
                + protocol
                + " (iteration 1 "
                + PAPER_FIRST_ITERATION
                + ", run once per seed and continued by every sampler)")
        + "; seeds "
        + seed
        + ".."
        + (seed + seeds - 1);
  }

  static String fmt(double v) {
    return String.format(java.util.Locale.ROOT, "%.3f", v);
  }
}
