package dpo.backend.gpu.lm;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dpo.api.ConfigurationException;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.PreferenceBatch;
import dpo.api.lm.TrainerConfig;
import dpo.api.objective.Objective;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * Times the LM backend's hot paths on random tokens: generation with and without the KV cache,
 * with logit mixing, the raw policy forward+backward, the reference forward, and the full DPO
 * step. Each measurement warms up first, then repeats for a time budget.
 */
public final class LmBenchmark {

  /**
   * What to measure.
   *
   * @param batch sequences (or pairs) per call
   * @param promptLength prompt tokens
   * @param newTokens generated tokens, also the response length of the training steps
   * @param layers transformer blocks
   * @param width embedding width
   * @param heads attention heads
   * @param vocabulary vocabulary size
   * @param seconds time budget of each measurement
   */
  public record Options(int batch, int promptLength, int newTokens, int layers, int width,
      int heads, int vocabulary, double seconds) {
    /**
     * Validates the sizes.
     *
     * @param batch sequences (or pairs) per call
     * @param promptLength prompt tokens
     * @param newTokens generated tokens, also the response length of the training steps
     * @param layers transformer blocks
     * @param width embedding width
     * @param heads attention heads
     * @param vocabulary vocabulary size
     * @param seconds time budget of each measurement
     */
    public Options {
      if (batch <= 0 || promptLength <= 0 || newTokens <= 0 || !(seconds > 0)) {
        throw new ConfigurationException("batch",
            "batch, prompt length, new tokens and seconds must be > 0");
      }
    }

    ModelConfig model() {
      return new ModelConfig(vocabulary, width, layers, heads, promptLength + newTokens);
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
  public static List<Map<String, Object>> run(NDManager manager, Options options,
      Objective objective) {
    List<Map<String, Object>> rows = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(1);
    List<int[]> prompts = new ArrayList<>();
    List<int[]> chosen = new ArrayList<>();
    List<int[]> rejected = new ArrayList<>();
    for (int i = 0; i < options.batch(); i++) {
      prompts.add(random.ints(options.promptLength(), 0, options.vocabulary()).toArray());
      chosen.add(random.ints(options.newTokens(), 0, options.vocabulary()).toArray());
      rejected.add(random.ints(options.newTokens(), 0, options.vocabulary()).toArray());
    }
    GptArchitecture architecture = GptArchitecture.gpt2(options.model());
    try (GptModel policy = GptModel.create(manager, architecture, 1);
        GptModel reference = GptModel.create(manager, architecture, 2)) {
      GenerationConfig sampling = GenerationConfig.sampling(options.newTokens(), 1.0, -1, 3);
      long tokens = (long) options.batch() * options.newTokens();
      for (boolean cache : new boolean[] {true, false}) {
        Generator g = new Generator(List.of(policy), new double[] {1}, sampling, cache);
        double seconds = time(options.seconds(), () -> {
          g.generate(manager, prompts);
          return 1;
        });
        rows.add(row(cache ? "generate-kv-cache" : "generate-recompute", tokens / seconds,
            "tokens/s", manager, options));
      }
      Generator mix = new Generator(List.of(policy, reference), new double[] {1.5, -0.5},
          sampling, true);
      double mixSeconds = time(options.seconds(), () -> {
        mix.generate(manager, prompts);
        return 1;
      });
      rows.add(row("generate-logit-mix", tokens / mixSeconds, "tokens/s", manager, options));

      List<int[]> pairPrompts = new ArrayList<>(prompts);
      pairPrompts.addAll(prompts);
      List<int[]> responses = new ArrayList<>(chosen);
      responses.addAll(rejected);
      double forwardBackward = time(options.seconds(), () -> {
        try (NDManager m = manager.newSubManager();
            GradientCollector tape = Engine.getInstance().newGradientCollector()) {
          NDArray loss = policy.sequenceLogProbs(m, pairPrompts, responses).sum();
          tape.backward(loss);
          for (NDArray p : policy.parameters().values()) {
            NDArray g = p.getGradient();
            g.attach(m);
            g.muli(0f);
          }
        }
        return 1;
      });
      rows.add(row("forward-backward", 1000 * forwardBackward, "ms/step", manager, options));
      double referenceForward = time(options.seconds(), () -> {
        try (NDManager m = manager.newSubManager()) {
          reference.sequenceLogProbs(m, pairPrompts, responses).toFloatArray();
        }
        return 1;
      });
      rows.add(row("reference-forward", 1000 * referenceForward, "ms/step", manager, options));
      PreferenceBatch batch = PreferenceBatch.hard(prompts, chosen, rejected);
      try (DjlTrainer trainer = new DjlTrainer(policy, TrainerConfig.adamW(1e-4))) {
        double step = time(options.seconds(), () -> {
          trainer.dpoStep(batch, reference, objective);
          return 1;
        });
        Map<String, Object> r = row("dpo-step", 1000 * step, "ms/step", manager, options);
        r.put("vs_forward_backward_plus_reference", step / (forwardBackward + referenceForward));
        rows.add(r);
      }
    }
    return rows;
  }

  /** Seconds per call: two warm-up calls, then calls until the budget is spent (at least 3). */
  private static double time(double budget, LongSupplier call) {
    call.getAsLong();
    call.getAsLong();
    long start = System.nanoTime();
    int calls = 0;
    while (calls < 3 || (System.nanoTime() - start) < budget * 1e9) {
      call.getAsLong();
      calls++;
    }
    return (System.nanoTime() - start) / 1e9 / calls;
  }

  private static Map<String, Object> row(String name, double value, String unit,
      NDManager manager, Options o) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("benchmark", name);
    r.put("value", value);
    r.put("unit", unit);
    r.put("device", manager.getDevice().toString());
    r.put("batch", o.batch());
    r.put("prompt_len", o.promptLength());
    r.put("new_tokens", o.newTokens());
    r.put("layers", o.layers());
    r.put("width", o.width());
    r.put("heads", o.heads());
    r.put("vocabulary", o.vocabulary());
    return r;
  }
}
