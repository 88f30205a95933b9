package dpo.bench;

import dpo.api.lm.SaveFormat;
import dpo.core.DpoRuntime;
import dpo.core.lm.CheckpointTexts;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code dpo lm convert}: a checkpoint folder rewritten in another dtype or shard size. */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    sortOptions = false,
    description = {
      "Write a checkpoint folder as Hugging Face's save_pretrained lays it out: config.json (with"
          + " torch_dtype), the weights in float32 or bfloat16 in model.safetensors, or in"
          + " model-00001-of-0000N.safetensors shards with model.safetensors.index.json when they"
          + " exceed --max-shard-size, and the tokenizer and generation files; a"
          + " tokenizer_config.json naming the special tokens is added if the source has none."
          + " The source is validated as any --model is; the backend with language models"
          + " (djl) reads and writes it. An adapter folder (adapter_config.json, as lm train"
          + " --lora-rank writes it) is merged into its base: a full checkpoint whose adapted"
          + " weights are W + (lora_alpha / r) B A."
    })
final class LmConvertCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  private final Provider<DpoRuntime> runtime;

  @Inject
  LmConvertCommand(Provider<DpoRuntime> runtime) {
    this.runtime = runtime;
  }

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description = "The Hugging Face checkpoint folder, or LoRA adapter folder, to read.")
  Path model;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "The folder to write; it must not exist yet.")
  Path out;

  @Option(
      names = "--dtype",
      defaultValue = "float32",
      paramLabel = "float32|bfloat16",
      description =
          "Element type of the written weights (default: ${DEFAULT-VALUE}); bfloat16 rounds each"
              + " weight to nearest, ties to even, as PyTorch does.")
  String dtype;

  @Option(
      names = "--max-shard-size",
      defaultValue = "5GB",
      paramLabel = "SIZE",
      description =
          "Largest shard, as transformers reads it: 2GB is 2*10^9 bytes, 2GiB 2*2^30 (default:"
              + " ${DEFAULT-VALUE}). A single tensor larger than this gets a shard of its own.")
  String maxShardSize;

  @Mixin BackendOptions backendOptions = new BackendOptions();

  @Override
  public Integer call() {
    SaveFormat format =
        new SaveFormat(
            SaveFormat.parseWeights("dtype", dtype),
            SaveFormat.parseSize("maxShardSize", maxShardSize));
    if (Files.exists(out)) {
      throw new ParameterException(
          spec.commandLine(),
          "--out "
              + out
              + " exists; name a new folder (convert never writes into an existing one)");
    }
    Map<String, Object> info;
    boolean adapters;
    try (CheckpointTexts folders =
        new CheckpointTexts(runtime.get(), backendOptions.config(), List.of())) {
      adapters = folders.describe(model).containsKey("adapter");
      folders.convert(model, out, format);
      info = folders.describe(out);
    }
    spec.commandLine()
        .getOut()
        .println(
            (adapters
                    ? "merged the adapters of " + model + " into "
                    : "converted " + model + " to ")
                + out
                + (info.isEmpty() ? "" : ": " + info.get("dtype") + ", " + info.get("weights")));
    return 0;
  }
}
