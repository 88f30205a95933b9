package dpo.bench;

import com.google.inject.Provider;
import dpo.api.ProviderNotFoundException;
import dpo.api.data.DataFormat;
import dpo.api.lm.ModelConfig;
import dpo.core.io.OutputFolder;
import dpo.core.provenance.Provenance;
import dpo.core.reward.LabelledPair;
import dpo.core.reward.RewardFitExperiment;
import dpo.datasets.format.PreferenceTexts;
import dpo.datasets.io.RowSources;
import dpo.datasets.synthetic.Demonstration;
import dpo.datasets.synthetic.SyntheticTask;
import dpo.datasets.synthetic.SyntheticTasks;
import dpo.datasets.synthetic.WordTokenizer;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code dpo reward}: learned reward models. */
@Command(
    name = "reward",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    subcommands = {RewardCommand.Train.class},
    description = {
      "Learned reward models: 'dpo reward train' fits one with the Bradley-Terry loss."
    })
final class RewardCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command; try 'dpo reward train'");
  }

  /** {@code dpo reward train}: fit a reward model to a synthetic task's true preferences. */
  @Command(
      name = "train",
      mixinStandardHelpOptions = true,
      usageHelpWidth = 100,
      sortOptions = false,
      description = {
        "Fit a reward model (GPT-style transformer with a scalar head) to preference pairs of a"
            + " synthetic task, labelled by its ground-truth reward: two demonstrations per train"
            + " prompt (good and poor mixed), the better one chosen. Reports held-out pair"
            + " accuracy on test prompts after each epoch and writes a checkpoint folder"
            + " (config.json, model.safetensors, tokenizer.json, run.json) that the 'learned'"
            + " oracle loads (option model=DIR).",
        "",
        "With --data, fit it instead to the pairs of your preference file (any format 'dpo data'"
            + " reads: TRL rows, plain or conversational, PKU-SafeRLHF rows by their helpfulness"
            + " label, scored generation records by best against worst; JSON lines, JSON, gzip,"
            + " Parquet), starting from --model DIR (a checkpoint with its tokenizer: a language"
            + " model from 'dpo lm train', or a reward model to train further) or from a fresh"
            + " model with the tokenizer of --tokenizer DIR. A seeded draw holds --eval-fraction of"
            + " the pairs out for the accuracy. Texts are read as 'dpo align' hands them to the"
            + " oracle (a conversation rendered as text). Every pair must fit the model's context"
            + " in tokens (prompt plus the longer response); a longer one is refused with its"
            + " line.",
        "",
        "Examples:",
        "  dpo reward train --data prefs.jsonl --model lm/ --out rm/",
        "  dpo reward train --data prefs.parquet --tokenizer tok/ --context 256 --out rm/",
        "  dpo align --prompts prompts.txt --model lm/ --oracle learned --oracle-option model=rm/"
      })
  static final class Train implements Callable<Integer>, UserErrors.Trains, UserErrors.Fields {
    @Spec CommandSpec spec;

    private final Provider<RewardFitExperiment> experiment;

    @Inject
    Train(Provider<RewardFitExperiment> experiment) {
      this.experiment = experiment;
    }

    @Option(
        names = "--task",
        defaultValue = "safe-helpful",
        paramLabel = "ID",
        description = "Synthetic task (default: ${DEFAULT-VALUE}).")
    String task;

    @Option(
        names = "--pairs",
        defaultValue = "4000",
        paramLabel = "N",
        description = "Training pairs, one per train prompt (default: ${DEFAULT-VALUE}).")
    int pairs;

    @Option(
        names = "--held-out",
        defaultValue = "1000",
        paramLabel = "N",
        description = "Held-out pairs on test prompts 10000.. (default: ${DEFAULT-VALUE}).")
    int heldOut;

    @Option(
        names = "--epochs",
        defaultValue = "3",
        paramLabel = "E",
        description = "Passes over the pairs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(
        names = "--batch",
        defaultValue = "32",
        paramLabel = "N",
        description = "Pairs per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
        names = "--lr",
        defaultValue = "1e-3",
        paramLabel = "LR",
        description = "AdamW learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(
        names = "--width",
        defaultValue = "64",
        paramLabel = "D",
        description = "Transformer width (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(
        names = "--layers",
        defaultValue = "2",
        paramLabel = "L",
        description = "Transformer blocks (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(
        names = "--heads",
        defaultValue = "4",
        paramLabel = "H",
        description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(
        names = "--backend",
        paramLabel = "ID",
        description = "Backend with REWARD_MODELS (default: the highest-priority one, djl).")
    String backend;

    @Mixin BackendOptions backendOptions = new BackendOptions();

    @Option(
        names = "--seed",
        defaultValue = "1",
        paramLabel = "SEED",
        description =
            "Seed of prompts, pairs, initialisation and shuffles (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
        names = "--data",
        paramLabel = "FILE",
        description =
            "Your preference file, instead of a synthetic task (needs --model or --tokenizer).")
    Path data;

    @Option(
        names = "--format",
        paramLabel = "FORMAT",
        converter = DataCommand.FormatConverter.class,
        description = "With --data: its row format (default: detected from the first row).")
    DataFormat format;

    @Option(
        names = "--model",
        paramLabel = "DIR",
        description =
            "With --data: start from this checkpoint and use its tokenizer (a language model's body"
                + " gets a fresh scalar head; a reward model continues).")
    Path model;

    @Option(
        names = "--tokenizer",
        paramLabel = "DIR",
        description =
            "With --data: start from a fresh model (--width, --layers, --heads, --context) with"
                + " this folder's tokenizer.json, e.g. from 'dpo tokenizer train'.")
    Path tokenizer;

    @Option(
        names = "--context",
        paramLabel = "T",
        defaultValue = "256",
        description =
            "With --tokenizer: the fresh model's context, the most tokens of a prompt plus"
                + " response (default: ${DEFAULT-VALUE}).")
    int context;

    @Option(
        names = "--eval-fraction",
        paramLabel = "F",
        defaultValue = "0.1",
        description =
            "With --data: fraction of pairs held out for the accuracy, drawn with --seed (default:"
                + " ${DEFAULT-VALUE}).")
    double evalFraction;

    @Option(
        names = "--max-row-chars",
        paramLabel = "N",
        defaultValue = "" + RowSources.DEFAULT_MAX_ROW_CHARS,
        description =
            "With --data: the longest row read, in characters (default: ${DEFAULT-VALUE}).")
    long maxRowChars;

    @Option(
        names = "--out",
        defaultValue = "results/reward-model",
        paramLabel = "DIR",
        description =
            "Checkpoint folder: new, empty, or one this command wrote before, whose files"
                + " are replaced (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public String divergenceFix() {
      return "lower --lr (now " + lr + ")";
    }

    @Override
    public Map<String, String> fieldOptions() {
      return Map.of("learningRate", "--lr", "evalFraction", "--eval-fraction");
    }

    @Override
    public Integer call() throws Exception {
      Map<String, Double> positive = new LinkedHashMap<>();
      positive.put("--pairs", (double) pairs);
      positive.put("--held-out", (double) heldOut);
      positive.put("--epochs", (double) epochs);
      positive.put("--batch", (double) batch);
      positive.put("--lr", lr);
      positive.put("--width", (double) width);
      positive.put("--layers", (double) layers);
      positive.put("--heads", (double) heads);
      positive.forEach(
          (option, value) -> {
            if (!(value > 0) || Double.isInfinite(value)) {
              throw new ParameterException(
                  spec.commandLine(),
                  option
                      + ": must be > 0, got "
                      + (value == Math.rint(value) ? Long.toString(value.longValue()) : value));
            }
          });
      if (data != null) {
        return trainOnFile();
      }
      for (String option : FILE_ONLY) {
        if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
          throw new ParameterException(
              spec.commandLine(), option + ": only with --data FILE (your preference file)");
        }
      }
      SyntheticTask t =
          SyntheticTasks.find(task)
              .orElseThrow(() -> new ProviderNotFoundException("task", task, SyntheticTasks.ids()));
      if (pairs > 10_000 || heldOut > t.promptCount() - 10_000) {
        throw new ParameterException(
            spec.commandLine(),
            pairs > 10_000
                ? "--pairs: must be <= 10000 (train prompts 0-9999), got " + pairs
                : "--held-out: must be <= " + (t.promptCount() - 10_000) + ", got " + heldOut);
      }
      WordTokenizer tokenizer = new WordTokenizer(t.vocabulary());
      RewardFitExperiment.Config config =
          new RewardFitExperiment.Config(
              new ModelConfig(
                  tokenizer.vocabularySize(),
                  width,
                  layers,
                  heads,
                  t.maxPromptWords() + t.maxResponseWords() + 2),
              epochs,
              batch,
              lr,
              backend,
              backendOptions.config(),
              seed);
      RewardFitExperiment.Data data =
          new RewardFitExperiment.Data(
              "task "
                  + task
                  + ": "
                  + pairs
                  + " train prompts from 0 and "
                  + heldOut
                  + " held-out from 10000, seed "
                  + seed
                  + "; two demonstrations each, the one with the higher ground-truth reward chosen",
              tokenizer,
              tokenizer.toHuggingFaceJson().getBytes(StandardCharsets.UTF_8),
              pairs(t, 0, pairs),
              pairs(t, 10_000, heldOut));
      RewardFitExperiment fit = experiment.get();
      fit.check(config);
      PrintWriter stdout = spec.commandLine().getOut();
      try (OutputFolder folder = OutputFolder.claim(out, "out")) {
        fit.run(
            config,
            data,
            folder.path(),
            line -> {
              stdout.println(line);
              stdout.flush();
            });
      }
      stdout.println("wrote " + out);
      stdout.flush();
      return 0;
    }

    private static final List<String> FILE_ONLY =
        List.of(
            "--format",
            "--model",
            "--tokenizer",
            "--context",
            "--eval-fraction",
            "--max-row-chars");

    /** {@code --data}: the pairs of the user's file, from a checkpoint or a fresh model. */
    private int trainOnFile() {
      CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
      for (String option : List.of("--task", "--pairs", "--held-out")) {
        if (parsed.hasMatchedOption(option)) {
          throw new ParameterException(
              spec.commandLine(),
              option + ": belongs to the synthetic task; --data gives the pairs");
        }
      }
      if ((model == null) == (tokenizer == null)) {
        throw new ParameterException(
            spec.commandLine(),
            model == null
                ? "--data needs --model DIR (a checkpoint to start from, with its tokenizer) or"
                    + " --tokenizer DIR (a fresh model)"
                : "--model and --tokenizer: give one; a checkpoint brings its own tokenizer");
      }
      if (model != null) {
        for (String option : List.of("--width", "--layers", "--heads", "--context")) {
          if (parsed.hasMatchedOption(option)) {
            throw new ParameterException(
                spec.commandLine(), option + ": the shape comes from --model's config.json");
          }
        }
      }
      if (context < 2) {
        throw new ParameterException(spec.commandLine(), "--context: must be >= 2, got " + context);
      }
      if (maxRowChars < 1) {
        throw new ParameterException(
            spec.commandLine(), "--max-row-chars: must be >= 1, got " + maxRowChars);
      }
      RewardFitExperiment.FileConfig config =
          new RewardFitExperiment.FileConfig(
              model != null
                  ? new RewardFitExperiment.Start.Checkpoint(model)
                  : new RewardFitExperiment.Start.Fresh(tokenizer, width, layers, heads, context),
              evalFraction,
              epochs,
              batch,
              lr,
              backend,
              backendOptions.config(),
              seed);
      RewardFitExperiment fit = experiment.get();
      fit.check(config);
      List<RewardFitExperiment.FilePair> pairs = new ArrayList<>();
      PreferenceTexts.Read read =
          PreferenceTexts.read(
              data,
              format,
              maxRowChars,
              PreferenceTexts.Rendering.ORACLE_TEXT,
              t ->
                  pairs.add(
                      new RewardFitExperiment.FilePair(
                          t.prompt(),
                          t.chosen(),
                          t.rejected(),
                          data,
                          t.at().line(),
                          t.at().where())));
      PrintWriter stdout = spec.commandLine().getOut();
      stdout.println("read " + pairs.size() + " preference pairs from " + data);
      RewardFitExperiment.FileData fileData =
          new RewardFitExperiment.FileData(
              data + " (" + read.format().id() + " rows)", Provenance.sha256(data), pairs);
      try (OutputFolder folder = OutputFolder.claim(out, "out")) {
        fit.runOnFile(
            config,
            fileData,
            folder.path(),
            line -> {
              stdout.println(line);
              stdout.flush();
            });
      }
      stdout.println("wrote " + out);
      stdout.flush();
      return 0;
    }

    /** One pair per prompt: two demonstrations, the higher true reward chosen, ties skipped. */
    private List<LabelledPair> pairs(SyntheticTask t, int from, int count) {
      SplittableRandom random = new SplittableRandom(seed ^ from);
      List<LabelledPair> out = new ArrayList<>();
      for (String prompt : t.prompts(from, count, seed)) {
        Demonstration a = t.demonstration(prompt, 0.5, random);
        Demonstration b = t.demonstration(prompt, 0.5, random);
        double ra = t.reward(prompt, a.response());
        double rb = t.reward(prompt, b.response());
        if (ra != rb) {
          out.add(
              ra > rb
                  ? new LabelledPair(prompt, a.response(), b.response(), 1)
                  : new LabelledPair(prompt, b.response(), a.response(), 1));
        }
      }
      return out;
    }
  }
}
