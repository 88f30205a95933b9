package dpo.bench;

import dpo.backend.gpu.lm.Checkpoints;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dpo lm}: a Hugging Face language model on disk. */
@Command(
    name = "lm",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    subcommands = {
      LmCommand.Info.class,
      LmScoreCommand.class,
      LmGenerateCommand.class,
      LmConvertCommand.class
    },
    description = {
      "Inspect, score with, generate from and convert a Hugging Face checkpoint folder (config.json,"
          + " model.safetensors or shards with model.safetensors.index.json, tokenizer.json):"
          + " model_type llama, mistral, qwen2 or gpt2."
    })
final class LmCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command; try 'dpo lm info DIR'");
  }

  /** {@code dpo lm info DIR}. */
  @Command(
      name = "info",
      mixinStandardHelpOptions = true,
      usageHelpWidth = 100,
      description = {
        "Print a checkpoint's architecture, parameter count, dtype, context, tokenizer and special"
            + " tokens, read from its JSON files and safetensors headers (no weight is loaded)."
      })
  static final class Info implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The checkpoint folder.")
    Path directory;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      for (Map.Entry<String, Object> e : Checkpoints.info(directory).entrySet()) {
        out.printf("%-20s %s%n", e.getKey(), e.getValue());
      }
      out.flush();
      return 0;
    }
  }
}
