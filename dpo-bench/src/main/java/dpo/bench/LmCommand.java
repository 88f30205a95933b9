package dpo.bench;

import com.google.inject.Provider;
import dpo.api.backend.BackendConfig;
import dpo.core.DpoRuntime;
import dpo.core.lm.CheckpointTexts;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
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
      LmTrainCommand.class,
      LmConvertCommand.class
    },
    description = {
      "Inspect, score with, generate from, train and convert a Hugging Face checkpoint folder (config.json,"
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

    private final Provider<DpoRuntime> runtime;

    @Inject
    Info(Provider<DpoRuntime> runtime) {
      this.runtime = runtime;
    }

    @Parameters(index = "0", paramLabel = "DIR", description = "The checkpoint folder.")
    Path directory;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      Map<String, Object> info;
      try (CheckpointTexts backend =
          new CheckpointTexts(runtime.get(), BackendConfig.defaults(), List.of())) {
        info = backend.describe(directory);
      }
      if (info.isEmpty()) {
        throw new ParameterException(
            spec.commandLine(),
            "the backend with language models describes no checkpoint; its models load with"
                + " 'dpo lm score' and 'dpo lm generate'");
      }
      for (Map.Entry<String, Object> e : info.entrySet()) {
        out.printf("%-20s %s%n", e.getKey(), e.getValue());
      }
      out.flush();
      return 0;
    }
  }
}
