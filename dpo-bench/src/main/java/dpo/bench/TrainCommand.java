package dpo.bench;

import dpo.core.io.OutputFolder;
import dpo.core.lm.DpoTrainExperiment;
import dpo.core.provenance.Provenance;
import dpo.core.training.TrainingLoop;
import dpo.datasets.format.PreferenceTexts;
import dpo.datasets.io.RowSources;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dpo train}: offline DPO on a preference file. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    sortOptions = false,
    description = {
      "Offline DPO on a fixed file of preference pairs, as TRL's DPOTrainer trains: the policy"
          + " starts from --model, the frozen reference is --reference (default: --model), each"
          + " step lowers the objective's loss on a batch of pairs. This is the 'vanilla DPO'"
          + " baseline on a fixed dataset; 'dpo align' is the online loop.",
      "",
      "Data: TRL preference rows {\"prompt\", \"chosen\", \"rejected\"}, plain or"
          + " conversational (messages rendered as 'dpo lm train' renders them), PKU-SafeRLHF"
          + " rows (the better response chosen) and generation records {\"prompt\","
          + " \"responses\", \"rewards\"} (highest reward against lowest); .jsonl, .json or"
          + " .parquet. The prompt is encoded with the tokenizer's special tokens, each response"
          + " without and followed by the end-of-sequence token; a pair longer than"
          + " --max-length keeps the end of its prompt (at most --max-prompt-length tokens), then"
          + " the start of its responses.",
      "",
      "Metrics (metrics.jsonl, TRL's names; eval_ before each on the held-out pairs): loss,"
          + " rewards/chosen, rewards/rejected, rewards/accuracies, rewards/margins (implicit"
          + " rewards: beta times the policy/reference log-ratio), logps/chosen, logps/rejected,"
          + " grad_norm, learning_rate.",
      "",
      "Output: DIR is a Hugging Face checkpoint of the trained policy (usable as --model"
          + " anywhere) with metrics.jsonl, loss.png/.svg, run.json and checkpoints/step-N/"
          + " (with the optimizer state); rerunning the same command resumes from the last"
          + " checkpoint and ends where an uninterrupted run does.",
      "",
      "LoRA: with --lora-rank R only low-rank adapters on --model are trained; without"
          + " --reference the reference is --model itself with the adapters off (one copy of the"
          + " weights), and DIR and every checkpoint are PEFT adapter folders"
          + " (adapter_config.json, adapter_model.safetensors) that name --model as their base."
          + " An adapter folder given as --model without --lora-rank goes on training its own"
          + " adapters.",
      ""
    },
    footer = {
      "",
      "Example: dpo train --data prefs.jsonl --model sft/ --out dpo/ --beta 0.1 --lr 5e-7"
    })
final class TrainCommand implements Callable<Integer>, UserErrors.Fields, UserErrors.Trains {
  @Spec CommandSpec spec;

  private final Provider<DpoTrainExperiment> experiment;

  @Inject
  TrainCommand(Provider<DpoTrainExperiment> experiment) {
    this.experiment = experiment;
  }

  @Option(
      names = "--data",
      required = true,
      arity = "1..*",
      paramLabel = "PREFS",
      description = "Preference files (see above).")
  List<Path> data;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description = "The policy's starting checkpoint folder (with its tokenizer).")
  Path model;

  @Option(
      names = "--reference",
      paramLabel = "DIR",
      description = "The frozen reference checkpoint (default: --model).")
  Path reference;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Output folder: the trained policy and its reports.")
  Path out;

  @Option(
      names = "--objective",
      paramLabel = "ID",
      defaultValue = "sigmoid",
      description =
          "Objective: sigmoid (DPO), ipo, hinge or a plugin's id (default: ${DEFAULT-VALUE}).")
  String objective;

  @Option(
      names = "--beta",
      paramLabel = "B",
      defaultValue = "0.1",
      description = "KL coefficient (default: ${DEFAULT-VALUE}).")
  double beta;

  @Option(
      names = "--label-smoothing",
      paramLabel = "E",
      defaultValue = "0.0",
      description =
          "Probability that a label is flipped (conservative DPO), in [0, 0.5)"
              + " (default: ${DEFAULT-VALUE}).")
  double labelSmoothing;

  @Option(
      names = "--lr",
      paramLabel = "LR",
      defaultValue = "1e-6",
      description = "Peak learning rate, TRL's default (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(
      names = "--max-length",
      paramLabel = "T",
      defaultValue = "0",
      description =
          "Longest prompt plus response in tokens; 0: the model's context"
              + " (default: ${DEFAULT-VALUE}).")
  int maxLength;

  @Option(
      names = "--max-prompt-length",
      paramLabel = "T",
      defaultValue = "0",
      description =
          "Longest prompt kept when a pair is too long; 0: half of --max-length"
              + " (default: ${DEFAULT-VALUE}).")
  int maxPromptLength;

  @Option(
      names = "--eval-fraction",
      paramLabel = "F",
      defaultValue = "0.05",
      description =
          "Fraction of the pairs held out for evaluation, drawn with --seed; 0: none"
              + " (default: ${DEFAULT-VALUE}).")
  double evalFraction;

  @Mixin TrainingOptions training;

  @Mixin BackendOptions backendOptions = new BackendOptions();

  @Override
  public Map<String, String> fieldOptions() {
    return TrainingOptions.fieldOptions();
  }

  @Override
  public String divergenceFix() {
    return "lower --lr (now " + lr + ") or --beta (now " + beta + ")";
  }

  @Override
  public Integer call() {
    training.check(spec);
    DpoTrainExperiment.Config config =
        new DpoTrainExperiment.Config(
            model,
            reference,
            objective,
            beta,
            labelSmoothing,
            maxLength,
            maxPromptLength,
            evalFraction,
            training.settings(lr),
            training.lora(),
            training.backend,
            backendOptions.config(),
            training.stopAfter);
    experiment.get().check(config);
    List<DpoTrainExperiment.Pair> pairs = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    long skipped = 0;
    for (Path file : data) {
      skipped +=
          PreferenceTexts.read(
                  file,
                  null,
                  RowSources.DEFAULT_MAX_ROW_CHARS,
                  PreferenceTexts.Rendering.CHAT_TURNS,
                  t ->
                      pairs.add(
                          new DpoTrainExperiment.Pair(
                              t.prompt(), t.chosen(), t.rejected(), t.source())))
              .skipped();
      ids.add(file + " sha256:" + Provenance.sha256(file));
    }
    PrintWriter stdout = spec.commandLine().getOut();
    if (skipped > 0) {
      stdout.printf(
          Locale.ROOT, "skipped %,d generation records whose rewards are all equal%n", skipped);
    }
    try (OutputFolder folder = OutputFolder.claim(out, "out")) {
      ProgressBar bar = new ProgressBar(spec.commandLine().getErr(), 1, 1, "train");
      bar.startRun(out.toString());
      DpoTrainExperiment.Result result =
          experiment.get().run(config, pairs, String.join(", ", ids), folder.path(), bar);
      TrainingLoop.Outcome o = result.outcome();
      stdout.printf(
          Locale.ROOT,
          "%,d preference pairs: %,d to train on, %,d held out%n",
          pairs.size(),
          result.trainPairs(),
          result.evalPairs());
      if (!TrainingCurves.finish(
          o,
          bar,
          stdout,
          folder.path(),
          "dpo train: " + out.getFileName(),
          List.of("loss", "rewards/accuracies", "rewards/margins"))) {
        return 0;
      }
      stdout.printf(
          Locale.ROOT,
          "%s%d steps: loss %.4f, rewards/accuracies %.3f, rewards/margins %.4f%s%n",
          o.resumedFrom() > 0 ? "resumed at step " + o.resumedFrom() + "; " : "",
          o.steps(),
          o.last("loss"),
          o.last("rewards/accuracies"),
          o.last("rewards/margins"),
          Double.isNaN(o.last("eval_loss"))
              ? ""
              : String.format(
                  Locale.ROOT,
                  "; held out: loss %.4f, rewards/accuracies %.3f, rewards/margins %.4f",
                  o.last("eval_loss"),
                  o.last("eval_rewards/accuracies"),
                  o.last("eval_rewards/margins")));
      stdout.println("wrote the policy to " + out + " (" + TrainingOptions.writtenFiles(out));
      stdout.flush();
      return 0;
    }
  }
}
