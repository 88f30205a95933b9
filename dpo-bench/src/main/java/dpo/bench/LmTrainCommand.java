package dpo.bench;

import dpo.api.lm.TokenBatch;
import dpo.core.io.OutputFolder;
import dpo.core.lm.LmTrainExperiment;
import dpo.core.provenance.Provenance;
import dpo.core.training.TrainingLoop;
import dpo.datasets.io.TextLines;
import dpo.datasets.lm.LmData;
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
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code dpo lm train}: pretraining and supervised fine-tuning on your text. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    sortOptions = false,
    description = {
      "Train a causal language model on text: pretraining from scratch (--arch, --preset,"
          + " --tokenizer) or fine-tuning a checkpoint (--model).",
      "",
      "Data: .txt files (every non-blank line one text) and {\"text\"} rows train on every"
          + " token; {\"prompt\", \"completion\"}, {\"messages\"} and TRL {\"prompt\", \"chosen\"}"
          + " rows (.jsonl, .json, .parquet) train on the completion only, the prompt masked, as"
          + " TRL's SFT does. Each text is <bos> tokens <eos>. Layout: with --layout pack the"
          + " texts are concatenated and cut into blocks of --context tokens (pretraining); with"
          + " pad each text is its own block, cut to --context and padded (fine-tuning).",
      "",
      "Training: AdamW with warm-up then cosine decay, gradient clipping, the mean loss over the"
          + " batch's target tokens; held-out loss and perplexity (exp of the mean token"
          + " negative log-likelihood) every --eval-every steps.",
      "",
      "Output: DIR is a Hugging Face checkpoint of the trained model (config.json,"
          + " model.safetensors, tokenizer files, run.json) that --model of every command"
          + " accepts, with metrics.jsonl, loss.png and loss.svg, and checkpoints/step-N/."
          + " Rerunning the same command into the same DIR resumes from the last checkpoint"
          + " and gives the result of an uninterrupted run.",
      "",
      "LoRA: with --lora-rank R (and --model) only low-rank adapters are trained; DIR and every"
          + " checkpoint are then PEFT adapter folders (adapter_config.json,"
          + " adapter_model.safetensors) naming --model as their base, loaded with it by every"
          + " command's --model. An adapter folder given as --model without --lora-rank goes on"
          + " training its own adapters.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  dpo lm train --data corpus.txt --arch llama --preset tiny --tokenizer tok/ --out base/",
      "  dpo lm train --data sft.jsonl --model base/ --lr 1e-4 --epochs 2 --out sft/"
    })
final class LmTrainCommand implements Callable<Integer>, UserErrors.Fields, UserErrors.Trains {
  @Spec CommandSpec spec;

  private final Provider<LmTrainExperiment> experiment;

  @Inject
  LmTrainCommand(Provider<LmTrainExperiment> experiment) {
    this.experiment = experiment;
  }

  @Option(
      names = "--data",
      required = true,
      arity = "1..*",
      paramLabel = "FILE",
      description = "Training text: .txt files or dataset files (see above).")
  List<Path> data;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Output folder: the trained model and its reports.")
  Path out;

  @Option(
      names = "--model",
      paramLabel = "DIR",
      description = "Start from this checkpoint folder (with its tokenizer).")
  Path model;

  @Option(
      names = "--arch",
      paramLabel = "ARCH",
      description =
          "Start from a fresh model of this architecture, one of the backend's: llama or gpt2"
              + " for djl.")
  String arch;

  @Option(
      names = "--preset",
      paramLabel = "NAME",
      defaultValue = "tiny",
      description =
          "Size of a fresh model, one of the backend's presets: tiny or smollm-135m for djl"
              + " (default: ${DEFAULT-VALUE}).")
  String preset;

  @Option(
      names = "--tokenizer",
      paramLabel = "DIR",
      description = "Tokenizer folder of a fresh model (from 'dpo tokenizer train').")
  Path tokenizer;

  @Option(
      names = "--context",
      paramLabel = "T",
      defaultValue = "0",
      description =
          "Block length in tokens; 0: 256 for a fresh model, a checkpoint's context up to 1024"
              + " (default: ${DEFAULT-VALUE}).")
  int context;

  @Option(
      names = "--lr",
      paramLabel = "LR",
      defaultValue = "3e-4",
      description =
          "Peak learning rate; fine-tuning a pretrained model wants less, e.g. 2e-5"
              + " (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(
      names = "--eval-fraction",
      paramLabel = "F",
      defaultValue = "0.05",
      description =
          "Fraction of the texts held out for evaluation, drawn with --seed; 0: none"
              + " (default: ${DEFAULT-VALUE}).")
  double evalFraction;

  @Option(
      names = "--layout",
      paramLabel = "pack|pad",
      description = "Block layout (default: pack when every --data file is .txt, pad otherwise).")
  String layout;

  @Option(
      names = "--max-line-chars",
      paramLabel = "C",
      defaultValue = "1048576",
      description =
          "Longest .txt line or dataset row, in characters; a longer one is refused"
              + " (default: ${DEFAULT-VALUE}).")
  int maxLineChars = TextLines.DEFAULT_MAX_LINE_CHARS;

  @Mixin TrainingOptions training;

  @Mixin BackendOptions backendOptions = new BackendOptions();

  @Override
  public Map<String, String> fieldOptions() {
    return TrainingOptions.fieldOptions();
  }

  @Override
  public String divergenceFix() {
    return "lower --lr (now " + lr + ") or --clip-norm";
  }

  @Override
  public Integer call() {
    training.check(spec);
    LmData.Layout blocks = layout();
    if (!(evalFraction >= 0 && evalFraction < 1)) {
      throw usage("--eval-fraction must be in [0, 1), got " + evalFraction);
    }
    if (maxLineChars < 1) {
      throw usage("--max-line-chars must be >= 1, got " + maxLineChars);
    }
    LmTrainExperiment.Config config =
        new LmTrainExperiment.Config(
            start(),
            context,
            training.settings(lr),
            training.lora(),
            training.backend,
            backendOptions.config(),
            training.stopAfter);
    LmTrainExperiment run = experiment.get();
    LmTrainExperiment.Setup setup = run.prepare(config);
    int blockLength = setup.context();
    LmData.Data read =
        LmData.read(
            data,
            setup.tokenizer(),
            LmData.SpecialIds.of(setup.tokenizer()),
            new LmData.Config(blockLength, blocks, evalFraction, training.seed, maxLineChars));
    LmTrainExperiment.Inputs inputs =
        new LmTrainExperiment.Inputs(
            batch(read.train()), read.eval().size() == 0 ? null : batch(read.eval()), dataId());
    PrintWriter stdout = spec.commandLine().getOut();
    stdout.printf(
        Locale.ROOT,
        "%,d texts (%,d held out) in %,d training and %,d held-out blocks of %d tokens (%s)%s%n",
        read.examples(),
        read.evalExamples(),
        read.train().size(),
        read.eval().size(),
        blockLength,
        blocks.name().toLowerCase(Locale.ROOT),
        read.truncated() + read.dropped() == 0
            ? ""
            : String.format(
                Locale.ROOT,
                "; %,d cut to the context, %,d dropped with nothing to train on",
                read.truncated(),
                read.dropped()));
    stdout.flush();
    try (OutputFolder folder = OutputFolder.claim(out, "out")) {
      ProgressBar bar = new ProgressBar(spec.commandLine().getErr(), 1, 1, "lm train");
      bar.startRun(out.toString());
      LmTrainExperiment.Result result = run.run(config, inputs, folder.path(), bar);
      TrainingLoop.Outcome o = result.outcome();
      if (!TrainingCurves.finish(
          o, bar, stdout, folder.path(), "dpo lm train: " + out.getFileName(), List.of("loss"))) {
        return 0;
      }
      double evalLoss = o.last("eval_loss");
      stdout.printf(
          Locale.ROOT,
          "%s%d steps: train loss %.4f%s%n",
          o.resumedFrom() > 0 ? "resumed at step " + o.resumedFrom() + "; " : "",
          o.steps(),
          o.last("loss"),
          Double.isNaN(evalLoss)
              ? ""
              : String.format(
                  Locale.ROOT,
                  ", held-out loss %.4f, perplexity %.2f",
                  evalLoss,
                  o.last("eval_perplexity")));
      stdout.println("wrote the model to " + out + " (" + TrainingOptions.writtenFiles(out));
      stdout.flush();
      return 0;
    }
  }

  private LmTrainExperiment.Start start() {
    if (model != null && arch != null) {
      throw usage("give either --model DIR (fine-tune) or --arch with --tokenizer (new model)");
    }
    if (model != null) {
      if (tokenizer != null) {
        throw usage("--tokenizer is for a new model (--arch); a --model checkpoint brings its own");
      }
      return new LmTrainExperiment.Start.Checkpoint(model);
    }
    if (arch == null) {
      throw usage(
          "missing the model: give --model DIR, or --arch llama|gpt2 --tokenizer DIR for a"
              + " new one");
    }
    if (tokenizer == null) {
      throw usage(
          "--arch needs --tokenizer DIR, the tokenizer of the new model (make one with 'dpo"
              + " tokenizer train')");
    }
    return new LmTrainExperiment.Start.Fresh(arch, preset, tokenizer);
  }

  private LmData.Layout layout() {
    if (layout == null) {
      boolean text =
          data.stream()
              .allMatch(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".txt"));
      return text ? LmData.Layout.PACK : LmData.Layout.PAD;
    }
    return switch (layout) {
      case "pack" -> LmData.Layout.PACK;
      case "pad" -> LmData.Layout.PAD;
      default -> throw usage("--layout must be pack or pad, got '" + layout + "'");
    };
  }

  private static TokenBatch batch(LmData.Blocks b) {
    return new TokenBatch(b.tokens(), b.targets());
  }

  /** The data files and their hashes. */
  private String dataId() {
    List<String> parts = new ArrayList<>();
    for (Path p : data) {
      parts.add(p + " sha256:" + Provenance.sha256(p));
    }
    return String.join(", ", parts);
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
