package dpo.bench;

import dpo.api.lm.LoraConfig;
import dpo.core.training.TrainingSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options of the commands that train a language model on a file ({@code dpo lm train}, {@code
 * dpo train}): how long, batch, optimizer, schedule, evaluation and checkpoints, and which backend
 * runs them (where it computes is {@link BackendOptions}, the mixin of every command that runs a
 * backend). A picocli mixin; each command sets its own learning-rate default.
 */
final class TrainingOptions {
  @Option(
      names = "--steps",
      paramLabel = "N",
      defaultValue = "0",
      description = "Optimizer steps; 0 trains for --epochs instead (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--epochs",
      paramLabel = "E",
      defaultValue = "3",
      description =
          "Passes over the training examples when --steps is 0; may be fractional"
              + " (default: ${DEFAULT-VALUE}).")
  double epochs;

  @Option(
      names = "--batch-size",
      paramLabel = "B",
      defaultValue = "8",
      description = "Examples per optimizer step (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--warmup",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Steps of linear learning-rate warm-up; then cosine decay to 0 at the last step"
              + " (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--weight-decay",
      paramLabel = "W",
      defaultValue = "0.0",
      description = "AdamW's decoupled weight decay of the matrices (default: ${DEFAULT-VALUE}).")
  double weightDecay;

  @Option(
      names = "--clip-norm",
      paramLabel = "C",
      defaultValue = "1.0",
      description =
          "Clip the global gradient norm to this; 0 disables clipping (default: ${DEFAULT-VALUE}).")
  double clipNorm;

  @Option(
      names = "--eval-every",
      paramLabel = "N",
      defaultValue = "100",
      description =
          "Evaluate on the held-out examples every N steps and after the last; 0: after the"
              + " last only (default: ${DEFAULT-VALUE}).")
  int evalEvery;

  @Option(
      names = "--checkpoint-every",
      paramLabel = "N",
      defaultValue = "500",
      description =
          "Write checkpoints/step-N/ (model, tokenizer, optimizer state) every N steps and"
              + " after the last; a rerun with the same options resumes from the last one; 0:"
              + " after the last only (default: ${DEFAULT-VALUE}).")
  int checkpointEvery;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "0",
      description =
          "Seed of the batch order, the held-out split, and the initialisation of a fresh model"
              + " or new adapters (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--backend",
      paramLabel = "ID",
      description =
          "Backend with LANGUAGE_MODELS (default: the highest-priority one, djl); where it"
              + " computes is --device.")
  String backend;

  /** Low-rank adapters instead of every weight (shared with {@code dpo align}). */
  @Mixin LoraOptions adapters = new LoraOptions();

  @Option(
      names = "--stop-after",
      paramLabel = "N",
      defaultValue = "0",
      hidden = true,
      description = "Stop after step N as if killed (tests resume).")
  int stopAfter;

  /**
   * Refuses what picocli cannot: both --steps and --epochs.
   *
   * @param spec the command
   */
  void check(CommandSpec spec) {
    if (steps > 0 && spec.commandLine().getParseResult().hasMatchedOption("--epochs")) {
      throw new ParameterException(spec.commandLine(), "give either --steps or --epochs, not both");
    }
    adapters.check(spec);
  }

  /** The adapters to train, or null for none. */
  LoraConfig lora() {
    return adapters.lora();
  }

  /**
   * What a finished run wrote into its output folder, for the command's last line: the adapter
   * files of a LoRA run (new adapters, or those of an adapter folder given as --model, which train
   * on), else the whole model's.
   *
   * @param out the output folder
   */
  static String writtenFiles(Path out) {
    return (Files.exists(out.resolve("adapter_config.json"))
            ? "adapter_config.json, adapter_model.safetensors"
            : "config.json, model.safetensors")
        + ", tokenizer files, run.json), metrics.jsonl, loss.png (and .svg) and checkpoints/";
  }

  /** The settings with a learning rate. */
  TrainingSettings settings(double learningRate) {
    return new TrainingSettings(
        steps,
        epochs,
        batchSize,
        learningRate,
        warmup,
        weightDecay,
        clipNorm,
        evalEvery,
        checkpointEvery,
        seed);
  }

  /** Config fields whose option has another name. */
  static Map<String, String> fieldOptions() {
    return Map.of(
        "learningRate", "--lr",
        "warmupSteps", "--warmup",
        "stopAfter", "--stop-after");
  }
}
