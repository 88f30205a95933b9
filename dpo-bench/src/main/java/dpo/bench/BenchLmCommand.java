package dpo.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dpo.api.backend.BackendCapability;
import dpo.api.backend.BackendConfig;
import dpo.api.objective.Objective;
import dpo.api.objective.ObjectiveConfig;
import dpo.backend.gpu.LmBench;
import dpo.backend.gpu.lm.LmBenchmark;
import dpo.core.DpoRuntime;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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
      "Time the djl backend on a random GPT-style model: generate-kv-cache, generate-recompute"
          + " and generate-logit-mix (tokens per second), forward-backward (policy, chosen and"
          + " rejected), reference-forward and dpo-step (ms per step). Prints one JSON object per"
          + " line with the device."
    })
final class BenchLmCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final com.google.inject.Provider<DpoRuntime> runtime;

  @Inject
  BenchLmCommand(com.google.inject.Provider<DpoRuntime> runtime) {
    this.runtime = runtime;
  }

  @Spec CommandSpec spec;

  @Option(names = "--batch", defaultValue = "16", paramLabel = "N",
      description = "Prompts per generation call and pairs per DPO step (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--prompt-len", defaultValue = "32", paramLabel = "T",
      description = "Prompt tokens (default: ${DEFAULT-VALUE}).")
  int promptLength;

  @Option(names = "--new-tokens", defaultValue = "128", paramLabel = "T",
      description = "Generated tokens, also the response length in training (default: ${DEFAULT-VALUE}).")
  int newTokens;

  @Option(names = "--layers", defaultValue = "2", paramLabel = "L",
      description = "Transformer blocks (default: ${DEFAULT-VALUE}).")
  int layers;

  @Option(names = "--width", defaultValue = "64", paramLabel = "D",
      description = "Embedding width (default: ${DEFAULT-VALUE}).")
  int width;

  @Option(names = "--heads", defaultValue = "4", paramLabel = "H",
      description = "Attention heads (default: ${DEFAULT-VALUE}).")
  int heads;

  @Option(names = "--vocab", defaultValue = "64", paramLabel = "V",
      description = "Vocabulary size (default: ${DEFAULT-VALUE}).")
  int vocabulary;

  @Option(names = "--seconds", defaultValue = "2", paramLabel = "S",
      description = "Measured time per benchmark, after two warm-up calls (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--backend", paramLabel = "ID",
      description = "Backend with LANGUAGE_MODELS (default: the highest-priority one, djl).")
  String backend;

  @Option(names = "--device", defaultValue = "auto", paramLabel = "auto|cpu|gpu",
      description = "Device of the djl backend (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
      description = "PyTorch intra-op threads, 0 for PyTorch's default (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--beta", defaultValue = "0.1", paramLabel = "BETA",
      description = "KL coefficient of the DPO step (default: ${DEFAULT-VALUE}).")
  double beta;

  @Override
  public Integer call() throws Exception {
    if (threads < 0 || batch < 1 || promptLength < 1 || newTokens < 1 || layers < 1 || width < 1 || heads < 1
        || vocabulary < 2 || !(seconds > 0)) {
      throw new ParameterException(spec.commandLine(),
          "--batch, --prompt-len, --new-tokens, --layers, --width, --heads and --seconds must be"
              + " > 0, --vocab >= 2 and --threads >= 0");
    }
    if (width % heads != 0) {
      throw new ParameterException(spec.commandLine(),
          "--width " + width + " must be a multiple of --heads " + heads);
    }
    DpoRuntime runtime = this.runtime.get();
    String chosen = runtime.backends()
        .require(backend, BackendCapability.LANGUAGE_MODELS, "generate or train language models").id();
    if (!chosen.equals("djl")) {
      throw new ParameterException(spec.commandLine(), "--backend: bench lm times the djl"
          + " backend's internals (KV cache against recomputation, the raw forward+backward);"
          + " backend '" + chosen + "' has no such hooks");
    }
    Objective objective =
        runtime.objectives().get("sigmoid").create(ObjectiveConfig.ofBeta(beta));
    LmBenchmark.Options options = new LmBenchmark.Options(
        batch, promptLength, newTokens, layers, width, heads, vocabulary, seconds);
    PrintWriter out = spec.commandLine().getOut();
    for (Map<String, Object> row : LmBench.run(
        new BackendConfig(threads).withOption("device", device), options, objective)) {
      out.println(JSON.writeValueAsString(row));
      out.flush();
    }
    return 0;
  }
}
