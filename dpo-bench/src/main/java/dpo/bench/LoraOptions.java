package dpo.bench;

import dpo.api.lm.LoraConfig;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The LoRA options of every command that trains a language model ({@code dpo lm train}, {@code dpo
 * train} through {@link TrainingOptions}, and {@code dpo align}): rank, scale and target modules of
 * the low-rank adapters trained instead of every weight. A picocli mixin.
 */
final class LoraOptions {
  @Option(
      names = "--lora-rank",
      paramLabel = "R",
      defaultValue = "0",
      description =
          "Train low-rank adapters (LoRA) of rank R on the starting model instead of every"
              + " weight; checkpoints and the output are then PEFT adapter folders naming the"
              + " base; 0: no new adapters (default: ${DEFAULT-VALUE}).")
  int loraRank;

  @Option(
      names = "--lora-alpha",
      paramLabel = "A",
      description = "The adapters' scale numerator: updates are scaled by A/R (default: 2R).")
  Double loraAlpha;

  @Option(
      names = "--lora-targets",
      paramLabel = "LIST",
      split = ",",
      description =
          "Modules that get adapters, as PEFT names them (e.g. q_proj,v_proj or c_attn), or"
              + " all-linear for every attention and MLP projection (default: the family's,"
              + " q_proj,v_proj for Llama, c_attn for GPT-2).")
  List<String> loraTargets;

  /**
   * Refuses a negative rank, and a scale or targets without a rank.
   *
   * @param spec the command
   */
  void check(CommandSpec spec) {
    if (loraRank < 0) {
      throw new ParameterException(
          spec.commandLine(), "--lora-rank must be >= 0 (0: no adapters), got " + loraRank);
    }
    if (loraRank == 0 && (loraAlpha != null || loraTargets != null)) {
      throw new ParameterException(
          spec.commandLine(), "--lora-alpha and --lora-targets need --lora-rank R (at least 1)");
    }
  }

  /** The adapters to train, or null for none. */
  LoraConfig lora() {
    if (loraRank == 0) {
      return null;
    }
    return new LoraConfig(
        loraRank,
        loraAlpha == null ? 2.0 * loraRank : loraAlpha,
        loraTargets == null ? List.of() : loraTargets);
  }
}
