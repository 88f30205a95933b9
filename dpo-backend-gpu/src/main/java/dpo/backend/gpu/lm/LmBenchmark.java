package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dpo.api.ConfigurationException;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.GenerationConfig.Setting;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LoraConfig;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.PreferenceBatch;
import dpo.api.lm.TrainerConfig;
import dpo.api.objective.Objective;
import dpo.backend.gpu.Tapes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * Times the LM backend's hot paths on random tokens: generation with and without the KV cache, with
 * logit mixing, the raw policy forward+backward, the reference forward, and the full DPO step. Each
 * measurement warms up first, then repeats for a time budget.
 */
public final class LmBenchmark {
  /** The architectures {@code --arch} accepts. */
  public static final java.util.List<String> ARCHITECTURES = ModelPresets.ARCHITECTURES;

  /** What {@code --parts} accepts. */
  public static final java.util.List<String> PARTS =
      List.of("all", "generation", "cached-generation", "training");

  /** The presets {@code --preset} accepts. */
  public static final java.util.List<String> PRESETS = ModelPresets.NAMES;

  /**
   * What to measure.
   *
   * @param arch {@code llama} or {@code gpt2}
   * @param preset a name of {@link ModelPresets#NAMES}
   * @param batch sequences (or pairs) per call
   * @param promptLength prompt tokens
   * @param newTokens generated tokens, also the response length of the training steps
   * @param layers override of the preset's transformer blocks, or 0
   * @param width override of the preset's embedding width, or 0
   * @param heads override of the preset's attention heads, or 0
   * @param vocabulary override of the preset's vocabulary size, or 0
   * @param seconds time budget of each measurement
   * @param parts {@code all}, {@code generation}, {@code cached-generation} (no recomputation
   *     baseline, which is slow at large sizes) or {@code training}
   * @param loraRank rank of LoRA adapters on every attention and MLP projection of the trained
   *     policy, whose reference is then its base view (no second model); 0 trains every weight
   *     against a separate reference model
   */
  public record Options(
      String arch,
      String preset,
      int batch,
      int promptLength,
      int newTokens,
      int layers,
      int width,
      int heads,
      int vocabulary,
      double seconds,
      String parts,
      int loraRank,
      int topK,
      double topP) {
    /**
     * Validates the sizes.
     *
     * @param arch the architecture family
     * @param preset the size preset
     * @param batch sequences (or pairs) per call
     * @param promptLength prompt tokens
     * @param newTokens generated tokens, also the response length of the training steps
     * @param layers override of the preset's transformer blocks, or 0
     * @param width override of the preset's embedding width, or 0
     * @param heads override of the preset's attention heads, or 0
     * @param vocabulary override of the preset's vocabulary size, or 0
     * @param seconds time budget of each measurement
     * @param parts which measurements to run
     * @param loraRank rank of LoRA adapters of the trained policy, or 0 for none
     * @param topK the generation benchmarks' top-k truncation, or 0 for none
     * @param topP the generation benchmarks' top-p truncation, 1 for none
     */
    public Options {
      if (batch <= 0 || promptLength <= 0 || newTokens <= 0 || !(seconds > 0)) {
        throw new ConfigurationException(
            "batch", "batch, prompt length, new tokens and seconds must be > 0");
      }
      architecture(arch, preset, promptLength + newTokens, layers, width, heads, vocabulary);
      if (!PARTS.contains(parts)) {
        throw new ConfigurationException(
            "parts", "parts must be one of " + PARTS + ", got '" + parts + "'");
      }
      if (loraRank < 0) {
        throw new ConfigurationException(
            "lora-rank", "--lora-rank must be >= 0 (0: no adapters), got " + loraRank);
      }
      if (!Setting.TOP_K.accepts(topK)) {
        throw new ConfigurationException("top-k", Setting.TOP_K.violation("--top-k", topK));
      }
      if (!Setting.TOP_P.accepts(topP)) {
        throw new ConfigurationException("top-p", Setting.TOP_P.violation("--top-p", topP));
      }
      if (loraRank > 0 && !parts.equals("training")) {
        throw new ConfigurationException(
            "lora-rank", "--lora-rank measures the training step; add --parts training");
      }
    }

    boolean generation() {
      return !parts.equals("training");
    }

    boolean recompute() {
      return parts.equals("all") || parts.equals("generation");
    }

    boolean training() {
      return parts.equals("all") || parts.equals("training");
    }

    GptArchitecture architecture() {
      return architecture(arch, preset, promptLength + newTokens, layers, width, heads, vocabulary);
    }

    private static GptArchitecture architecture(
        String arch, String preset, int context, int layers, int width, int heads, int vocabulary) {
      return ModelPresets.architecture(arch, preset, context, layers, width, heads, vocabulary);
    }
  }

  private LmBenchmark() {}

  /**
   * Runs every measurement.
   *
   * @param manager the backend's manager (its device is measured)
   * @param options sizes and budget
   * @param objective the DPO objective of the training step
   * @return one map per measurement: name, value, unit and the sizes
   */
  public static List<Map<String, Object>> run(
      NDManager manager, Options options, Objective objective) {
    List<Map<String, Object>> rows = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(1);
    GptArchitecture architecture = options.architecture();
    int vocabulary = architecture.model().vocabularySize();
    double ceiling = matMulGflops(manager, options.seconds());
    Map<String, Object> ceilingRow = row("matmul-ceiling", ceiling, "GFLOP/s", manager, options);
    ceilingRow.put("matrix", MATMUL_SIZE);
    rows.add(ceilingRow);
    rows.add(row("parameters", architecture.parameterCount(), "parameters", manager, options));
    List<int[]> prompts = new ArrayList<>();
    List<int[]> chosen = new ArrayList<>();
    List<int[]> rejected = new ArrayList<>();
    for (int i = 0; i < options.batch(); i++) {
      prompts.add(random.ints(options.promptLength(), 0, vocabulary).toArray());
      chosen.add(random.ints(options.newTokens(), 0, vocabulary).toArray());
      rejected.add(random.ints(options.newTokens(), 0, vocabulary).toArray());
    }
    try (GptModel policy = GptModel.create(manager, architecture, 1);
        GptModel separate =
            options.loraRank() > 0 ? null : GptModel.create(manager, architecture, 2)) {
      if (options.loraRank() > 0) {
        policy.addLora(
            new LoraConfig(
                options.loraRank(), 2.0 * options.loraRank(), List.of(LoraConfig.ALL_LINEAR)),
            3);
      }
      // With adapters, their base is the reference: no second copy of the weights.
      LanguageModel reference = options.loraRank() > 0 ? policy.withoutAdapters() : separate;
      GenerationConfig sampling =
          new GenerationConfig(options.newTokens(), 1.0, options.topK(), options.topP(), -1, 3);
      long tokens = (long) options.batch() * options.newTokens();
      boolean[] caches =
          options.recompute()
              ? new boolean[] {true, false}
              : options.generation() ? new boolean[] {true} : new boolean[0];
      for (boolean cache : caches) {
        Generator g = new Generator(List.of(policy), new double[] {1}, sampling, cache);
        double seconds =
            time(
                options.seconds(),
                () -> {
                  g.generate(manager, prompts);
                  return 1;
                });
        rows.add(
            row(
                cache ? "generate-kv-cache" : "generate-recompute",
                tokens / seconds,
                "tokens/s",
                manager,
                options));
      }
      if (options.generation()) {
        Generator mix =
            new Generator(List.of(policy, separate), new double[] {1.5, -0.5}, sampling, true);
        double mixSeconds =
            time(
                options.seconds(),
                () -> {
                  mix.generate(manager, prompts);
                  return 1;
                });
        rows.add(row("generate-logit-mix", tokens / mixSeconds, "tokens/s", manager, options));
      }
      if (!options.training()) {
        rows.add(row("peak-resident-memory", peakResidentMiB(), "MiB", manager, options));
        return rows;
      }

      // Micro-batches of pairs as the trainer runs them, chosen then rejected in each pass.
      int pairsPerPass =
          Math.max(
              1,
              DjlTrainer.MICRO_BATCH_TOKENS / (2 * (options.promptLength() + options.newTokens())));
      List<List<int[]>> passPrompts = new ArrayList<>();
      List<List<int[]>> passResponses = new ArrayList<>();
      for (int from = 0; from < options.batch(); from += pairsPerPass) {
        int to = Math.min(options.batch(), from + pairsPerPass);
        List<int[]> p = new ArrayList<>(prompts.subList(from, to));
        p.addAll(prompts.subList(from, to));
        List<int[]> r = new ArrayList<>(chosen.subList(from, to));
        r.addAll(rejected.subList(from, to));
        passPrompts.add(p);
        passResponses.add(r);
      }
      double forwardBackward =
          time(
              options.seconds(),
              () -> {
                try (NDManager m = manager.newSubManager();
                    GradientCollector tape = Tapes.open()) {
                  for (int i = 0; i < passPrompts.size(); i++) {
                    try (NDManager pass = m.newSubManager()) {
                      tape.backward(
                          policy
                              .sequenceLogProbs(pass, passPrompts.get(i), passResponses.get(i))
                              .sum());
                    }
                  }
                  for (NDArray p : policy.trainableParameters().values()) {
                    NDArray g = p.getGradient();
                    g.attach(m);
                    g.muli(0f);
                  }
                }
                return 1;
              });
      rows.add(row("forward-backward", 1000 * forwardBackward, "ms/step", manager, options));
      double referenceForward =
          time(
              options.seconds(),
              () -> {
                for (int i = 0; i < passPrompts.size(); i++) {
                  reference.sequenceLogProbs(passPrompts.get(i), passResponses.get(i));
                }
                return 1;
              });
      rows.add(row("reference-forward", 1000 * referenceForward, "ms/step", manager, options));
      PreferenceBatch batch = PreferenceBatch.hard(prompts, chosen, rejected);
      try (DjlTrainer trainer = new DjlTrainer(policy, TrainerConfig.adamW(1e-4))) {
        double step =
            time(
                options.seconds(),
                () -> {
                  trainer.dpoStep(batch, reference, objective);
                  return 1;
                });
        Map<String, Object> r = row("dpo-step", 1000 * step, "ms/step", manager, options);
        r.put("vs_forward_backward_plus_reference", step / (forwardBackward + referenceForward));
        double gflops = dpoStepFlops(architecture, options) / step / 1e9;
        r.put("gflops_per_s", gflops);
        r.put("vs_matmul_ceiling", gflops / ceiling);
        rows.add(r);
        Map<String, Object> memory =
            row("peak-resident-memory", peakResidentMiB(), "MiB", manager, options);
        rows.add(memory);
      }
    }
    return rows;
  }

  /** Side of the square float32 matrices whose product measures the engine's ceiling. */
  static final int MATMUL_SIZE = 2048;

  /** The engine's float32 matrix product speed on the manager's device, GFLOP/s. */
  static double matMulGflops(NDManager manager, double budget) {
    try (NDManager m = manager.newSubManager()) {
      NDArray a = m.randomNormal(new ai.djl.ndarray.types.Shape(MATMUL_SIZE, MATMUL_SIZE));
      NDArray b = m.randomNormal(new ai.djl.ndarray.types.Shape(MATMUL_SIZE, MATMUL_SIZE));
      double seconds =
          time(
              budget,
              () -> {
                try (NDManager s = m.newSubManager()) {
                  NDArray c = a.matMul(b);
                  c.attach(s);
                  return (long) c.getFloat(0, 0); // waits for the device
                }
              });
      return 2.0 * MATMUL_SIZE * MATMUL_SIZE * MATMUL_SIZE / seconds / 1e9;
    }
  }

  /**
   * Floating-point operations of one DPO step as this backend computes it: the policy's forward and
   * backward (3 forwards) and the reference's forward over chosen and rejected sequences; each
   * forward is 2 flops per matrix weight per token, the full (tokens x tokens) attention products,
   * and the output head on the response positions only.
   */
  static double dpoStepFlops(GptArchitecture a, Options o) {
    ModelConfig c = a.model();
    double sequences = 2.0 * o.batch();
    double length = o.promptLength() + o.newTokens();
    double d = c.width();
    double q = (double) c.heads() * a.headDim();
    double kv = (double) a.keyValueHeads() * a.headDim();
    double inner = a.intermediateSize();
    double perLayer =
        a.isGpt2() ? 4 * d * d + 2 * d * inner : d * q + 2 * d * kv + q * d + 3 * d * inner;
    double body =
        2 * perLayer * c.layers() * sequences * length
            + 4 * c.layers() * sequences * length * length * q;
    double head = 2 * c.vocabularySize() * d * sequences * o.newTokens();
    return 4 * (body + head);
  }

  /** Peak resident memory of this process (VmHWM), MiB; NaN where /proc is absent. */
  static double peakResidentMiB() {
    try {
      for (String line :
          java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }

  /**
   * Seconds per call: one warm-up call (two when it is quick), then calls until the budget is spent
   * (at least 2).
   */
  private static double time(double budget, LongSupplier call) {
    long warm = System.nanoTime();
    call.getAsLong();
    if (System.nanoTime() - warm < budget * 1e9) {
      call.getAsLong();
    }
    long start = System.nanoTime();
    int calls = 0;
    while (calls < 2 || (System.nanoTime() - start) < budget * 1e9) {
      call.getAsLong();
      calls++;
    }
    return (System.nanoTime() - start) / 1e9 / calls;
  }

  private static Map<String, Object> row(
      String name, double value, String unit, NDManager manager, Options o) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("benchmark", name);
    r.put("value", value);
    r.put("unit", unit);
    r.put("device", manager.getDevice().toString());
    r.put("batch", o.batch());
    r.put("prompt_len", o.promptLength());
    r.put("new_tokens", o.newTokens());
    GptArchitecture a = o.architecture();
    r.put("arch", a.modelType());
    r.put("preset", o.preset());
    r.put("layers", a.model().layers());
    r.put("width", a.model().width());
    r.put("heads", a.model().heads());
    r.put("kv_heads", a.keyValueHeads());
    r.put("intermediate", a.intermediateSize());
    r.put("vocabulary", a.model().vocabularySize());
    r.put("lora_rank", o.loraRank());
    r.put("top_k", o.topK());
    r.put("top_p", o.topP());
    return r;
  }
}
