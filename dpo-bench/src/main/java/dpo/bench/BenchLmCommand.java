package dpo.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.api.backend.BackendCapability;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.backend.gpu.LmBench;
import dpo.backend.gpu.lm.LmBenchmark;
import dpo.core.DpoRuntime;
import dpo.core.provenance.RunRecord;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code dpo bench lm}: speed of the language-model backend. */
@Command(
    name = "lm",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 100,
    sortOptions = false,
    description = {
      "Time the djl backend on a random model of a preset size: matmul-ceiling (the engine's"
          + " 2048x2048 float32 matrix product, GFLOP/s), parameters, generate-kv-cache,"
          + " generate-recompute and generate-logit-mix (tokens per second), forward-backward"
          + " (policy, chosen and rejected), reference-forward and dpo-step (ms per step, with its"
          + " achieved GFLOP/s and the ratio to the ceiling), peak-resident-memory. Prints one"
          + " JSON object per line with the device."
    })
final class BenchLmCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final com.google.inject.Provider<DpoRuntime> runtime;

  @Inject
  BenchLmCommand(com.google.inject.Provider<DpoRuntime> runtime) {
    this.runtime = runtime;
  }

  @Spec CommandSpec spec;

  @Option(
      names = "--arch",
      defaultValue = "llama",
      paramLabel = "llama|gpt2",
      description = "Architecture of the random model (default: ${DEFAULT-VALUE}).")
  String arch;

  @Option(
      names = "--preset",
      defaultValue = "tiny",
      paramLabel = "tiny|smollm-135m",
      description =
          "Model size: tiny (2 layers, width 64, vocabulary 64) or smollm-135m (30"
              + " layers, width 576, 9 heads, 3 key-value heads, vocabulary 49152)"
              + " (default: ${DEFAULT-VALUE}).")
  String preset;

  @Option(
      names = "--parts",
      defaultValue = "all",
      paramLabel = "all|generation|cached-generation|training",
      description =
          "Which measurements to run (default: ${DEFAULT-VALUE}); cached-generation"
              + " leaves out the slow recomputation baseline; the ceiling and the parameter count"
              + " always.")
  String parts;

  @Option(
      names = "--batch",
      defaultValue = "16",
      paramLabel = "N",
      description =
          "Prompts per generation call and pairs per DPO step (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--prompt-len",
      defaultValue = "32",
      paramLabel = "T",
      description = "Prompt tokens (default: ${DEFAULT-VALUE}).")
  int promptLength;

  @Option(
      names = "--new-tokens",
      defaultValue = "128",
      paramLabel = "T",
      description =
          "Generated tokens, also the response length in training (default: ${DEFAULT-VALUE}).")
  int newTokens;

  @Option(
      names = "--layers",
      defaultValue = "0",
      paramLabel = "L",
      description = "Transformer blocks, overriding the preset's (default: the preset's).")
  int layers;

  @Option(
      names = "--width",
      defaultValue = "0",
      paramLabel = "D",
      description = "Embedding width, overriding the preset's (default: the preset's).")
  int width;

  @Option(
      names = "--heads",
      defaultValue = "0",
      paramLabel = "H",
      description = "Attention heads, overriding the preset's (default: the preset's).")
  int heads;

  @Option(
      names = "--vocab",
      defaultValue = "0",
      paramLabel = "V",
      description = "Vocabulary size, overriding the preset's (default: the preset's).")
  int vocabulary;

  @Option(
      names = "--seconds",
      defaultValue = "2",
      paramLabel = "S",
      description =
          "Measured time per benchmark, after one or two warm-up calls (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(
      names = "--backend",
      paramLabel = "ID",
      description = "Backend with LANGUAGE_MODELS (default: the highest-priority one, djl).")
  String backend;

  @Mixin BackendOptions backendOptions = new BackendOptions();

  @Option(
      names = "--lora-rank",
      defaultValue = "0",
      paramLabel = "R",
      description =
          "Train LoRA adapters of rank R (alpha 2R) on every attention and MLP projection, the"
              + " reference being the base with the adapters off; needs --parts training"
              + " (default: 0, every weight trained against a separate reference).")
  int loraRank;

  @Option(
      names = "--top-k",
      defaultValue = "0",
      paramLabel = "K",
      description =
          "Generation benchmarks sample from the K most likely tokens (default: ${DEFAULT-VALUE},"
              + " all).")
  int topK;

  @Option(
      names = "--top-p",
      defaultValue = "1",
      paramLabel = "P",
      description =
          "Generation benchmarks sample from the smallest set of tokens holding probability P"
              + " (default: ${DEFAULT-VALUE}, all).")
  double topP;

  @Option(
      names = "--beta",
      defaultValue = "0.1",
      paramLabel = "BETA",
      description = "KL coefficient of the DPO step (default: ${DEFAULT-VALUE}).")
  double beta;

  @Override
  public Integer call() throws Exception {
    if (batch < 1
        || promptLength < 1
        || newTokens < 1
        || layers < 0
        || width < 0
        || heads < 0
        || vocabulary < 0
        || vocabulary == 1
        || !(seconds > 0)) {
      throw new ParameterException(
          spec.commandLine(),
          "--batch, --prompt-len, --new-tokens and --seconds must be > 0, --layers, --width and"
              + " --heads >= 0 (0: the preset's), --vocab 0 or >= 2");
    }
    if (!LmBenchmark.ARCHITECTURES.contains(arch)) {
      throw new ParameterException(
          spec.commandLine(),
          "--arch must be one of " + LmBenchmark.ARCHITECTURES + ", got '" + arch + "'");
    }
    if (!LmBenchmark.PARTS.contains(parts)) {
      throw new ParameterException(
          spec.commandLine(),
          "--parts must be one of " + LmBenchmark.PARTS + ", got '" + parts + "'");
    }
    if (!LmBenchmark.PRESETS.contains(preset)) {
      throw new ParameterException(
          spec.commandLine(),
          "--preset must be one of " + LmBenchmark.PRESETS + ", got '" + preset + "'");
    }
    if (width > 0 && heads > 0 && width % heads != 0) {
      throw new ParameterException(
          spec.commandLine(), "--width " + width + " must be a multiple of --heads " + heads);
    }
    DpoRuntime runtime = this.runtime.get();
    String chosen =
        runtime
            .backends()
            .require(
                backend, BackendCapability.LANGUAGE_MODELS, "generate or train language models")
            .id();
    if (!chosen.equals("djl")) {
      throw new ParameterException(
          spec.commandLine(),
          "--backend: bench lm times the djl"
              + " backend's internals (KV cache against recomputation, the raw forward+backward);"
              + " backend '"
              + chosen
              + "' has no such hooks");
    }
    Objective objective = runtime.objectives().get("sigmoid").create(ObjectiveConfig.ofBeta(beta));
    LmBenchmark.Options options;
    try {
      options =
          new LmBenchmark.Options(
              arch,
              preset,
              batch,
              promptLength,
              newTokens,
              layers,
              width,
              heads,
              vocabulary,
              seconds,
              parts,
              loraRank,
              topK,
              topP);
    } catch (dpo.api.ConfigurationException e) {
      throw new ParameterException(
          spec.commandLine(),
          List.of("lora-rank", "top-k", "top-p").contains(e.violations().get(0).field())
              ? e.getMessage()
              : e.getMessage() + "; pick --width, --heads and --layers that fit together");
    }
    PrintWriter out = spec.commandLine().getOut();
    Instant started = Instant.now();
    LmBench.Result result = LmBench.run(backendOptions.config(), options, objective);
    for (Map<String, Object> row : result.rows()) {
      out.println(JSON.writeValueAsString(row));
      out.flush();
    }
    out.println(
        BenchCommand.provenanceLine(
            RunRecord.start(
                    "bench lm",
                    started,
                    OptionValues.of(spec),
                    new RunRecord.Providers(
                        RunRecord.ProviderInfo.of(runtime.backends().get(chosen)),
                        RunRecord.ProviderInfo.of(runtime.objectives().get("sigmoid")),
                        null,
                        null),
                    RunRecord.Device.of(result.device()),
                    List.of())
                .finish(Instant.now(), null)));
    out.flush();
    return 0;
  }
}
