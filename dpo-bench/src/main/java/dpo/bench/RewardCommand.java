package dpo.bench;

import com.google.inject.Provider;
import dpo.api.ProviderNotFoundException;
import dpo.api.lm.ModelConfig;
import dpo.core.io.OutputFolder;
import dpo.core.reward.LabelledPair;
import dpo.core.reward.RewardFitExperiment;
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
            + " oracle loads (option model=DIR)."
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
      return Map.of("learningRate", "--lr");
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
