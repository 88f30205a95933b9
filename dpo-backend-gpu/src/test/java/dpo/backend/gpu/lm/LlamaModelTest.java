package dpo.backend.gpu.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.PreferenceBatch;
import dpo.api.lm.TrainerConfig;
import dpo.api.objective.Objective;
import dpo.backend.gpu.safetensors.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Llama-family decoder against an independent float64 forward written here from the published
 * formulas, plus its invariances: batching and padding, KV cache, grouped-query attention, rotary
 * relative positions, the DPO gradient and checkpoint round trips.
 */
class LlamaModelTest {
  @RegisterExtension static final DjlEngine ENGINE = new DjlEngine();

  /** A tiny model of a family: 4 query heads sharing 2 key-value heads, head_dim 6 != 16 / 4. */
  static GptArchitecture tiny(String type, boolean tied, GptArchitecture.RopeScaling scaling) {
    return tiny(type, tied, scaling, false);
  }

  /**
   * The same, with every bias of the family or, with {@code allBiases}, every bias there is
   * (Llama's attention_bias and mlp_bias).
   */
  static GptArchitecture tiny(
      String type, boolean tied, GptArchitecture.RopeScaling scaling, boolean allBiases) {
    ModelConfig shape = new ModelConfig(20, 16, 2, 4, 40);
    boolean qkvBias = allBiases || type.equals(GptArchitecture.QWEN2);
    return new GptArchitecture(
        type,
        shape,
        2,
        6,
        24,
        GptArchitecture.SILU,
        1e-5f,
        500,
        scaling,
        qkvBias,
        allBiases,
        allBiases,
        tied,
        GptArchitecture.SpecialTokens.NONE);
  }

  static final GptArchitecture.RopeScaling LLAMA3 = new GptArchitecture.RopeScaling(8, 1, 4, 16);

  /** Makes every bias and norm weight non-trivial so the reference checks their use. */
  static GptModel randomised(GptArchitecture a, long seed) {
    return randomised(ENGINE.root(), a, seed);
  }

  static GptModel randomised(NDManager parent, GptArchitecture a, long seed) {
    GptModel model = GptModel.create(parent, a, seed);
    SplittableRandom r = new SplittableRandom(seed + 100);
    for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
      if (e.getKey().endsWith("bias") || e.getKey().contains("norm")) {
        float[] v = e.getValue().toFloatArray();
        for (int i = 0; i < v.length; i++) {
          v[i] += (float) (0.3 * r.nextGaussian());
        }
        e.getValue().set(v);
      }
    }
    return model;
  }

  static float[] logits(GptModel model, long[] tokens, long offset) {
    try (NDManager m = model.manager().newSubManager()) {
      int n = tokens.length;
      long[] positions = new long[n];
      for (int i = 0; i < n; i++) {
        positions[i] = offset + i;
      }
      return model
          .forward(
              m.create(tokens, new Shape(1, n)),
              m.create(positions, new Shape(1, n)),
              GptModel.causalBias(m, n),
              null)
          .toFloatArray();
    }
  }

  // ---------------------------------------------------------------- independent reference

  /** Logits (tokens x vocabulary) of a Llama-family model in float64, one loop per formula. */
  static double[][] reference(GptArchitecture a, Map<String, Tensor> w, long[] tokens) {
    ModelConfig c = a.model();
    int d = c.width();
    int n = tokens.length;
    int heads = c.heads();
    int kvHeads = a.keyValueHeads();
    int hd = a.headDim();
    double[][] x = new double[n][];
    for (int t = 0; t < n; t++) {
      x[t] = row(w.get("model.embed_tokens.weight"), (int) tokens[t], d);
    }
    double[] inv = new double[hd / 2];
    for (int i = 0; i < hd / 2; i++) {
      inv[i] = Math.pow(a.ropeTheta(), -2.0 * i / hd);
      if (a.ropeScaling() != null) {
        GptArchitecture.RopeScaling s = a.ropeScaling();
        double wavelength = 2 * Math.PI / inv[i];
        double low = s.originalContext() / s.lowFreqFactor();
        double high = s.originalContext() / s.highFreqFactor();
        if (wavelength > low) {
          inv[i] = inv[i] / s.factor();
        } else if (wavelength >= high) {
          double smooth =
              (s.originalContext() / wavelength - s.lowFreqFactor())
                  / (s.highFreqFactor() - s.lowFreqFactor());
          inv[i] = (1 - smooth) * inv[i] / s.factor() + smooth * inv[i];
        }
      }
    }
    for (int l = 0; l < c.layers(); l++) {
      String h = "model.layers." + l + ".";
      double[][] q = new double[n][];
      double[][] k = new double[n][];
      double[][] v = new double[n][];
      for (int t = 0; t < n; t++) {
        double[] a1 = rms(x[t], w.get(h + "input_layernorm.weight"), a.normEpsilon());
        q[t] = rotate(lin(w, h + "self_attn.q_proj.", a1), t, heads, hd, inv);
        k[t] = rotate(lin(w, h + "self_attn.k_proj.", a1), t, kvHeads, hd, inv);
        v[t] = lin(w, h + "self_attn.v_proj.", a1);
      }
      for (int t = 0; t < n; t++) {
        double[] y = new double[heads * hd];
        for (int head = 0; head < heads; head++) {
          int g = head / (heads / kvHeads); // query head -> its key-value head
          double[] s = new double[t + 1];
          double max = Double.NEGATIVE_INFINITY;
          for (int u = 0; u <= t; u++) {
            for (int i = 0; i < hd; i++) {
              s[u] += q[t][head * hd + i] * k[u][g * hd + i];
            }
            s[u] /= Math.sqrt(hd);
            max = Math.max(max, s[u]);
          }
          double z = 0;
          for (int u = 0; u <= t; u++) {
            s[u] = Math.exp(s[u] - max);
            z += s[u];
          }
          for (int u = 0; u <= t; u++) {
            for (int i = 0; i < hd; i++) {
              y[head * hd + i] += s[u] / z * v[u][g * hd + i];
            }
          }
        }
        double[] o = lin(w, h + "self_attn.o_proj.", y);
        for (int i = 0; i < d; i++) {
          x[t][i] += o[i];
        }
        double[] m = rms(x[t], w.get(h + "post_attention_layernorm.weight"), a.normEpsilon());
        double[] gate = lin(w, h + "mlp.gate_proj.", m);
        double[] up = lin(w, h + "mlp.up_proj.", m);
        for (int i = 0; i < gate.length; i++) {
          gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
        }
        double[] down = lin(w, h + "mlp.down_proj.", gate);
        for (int i = 0; i < d; i++) {
          x[t][i] += down[i];
        }
      }
    }
    Tensor head = w.get(a.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight");
    double[][] out = new double[n][];
    for (int t = 0; t < n; t++) {
      out[t] = matVec(head, rms(x[t], w.get("model.norm.weight"), a.normEpsilon()));
    }
    return out;
  }

  static double[] row(Tensor t, int r, int width) {
    double[] out = new double[width];
    for (int i = 0; i < width; i++) {
      out[i] = t.data()[r * width + i];
    }
    return out;
  }

  static double[] rms(double[] x, Tensor weight, double eps) {
    double ms = 0;
    for (double v : x) {
      ms += v * v / x.length;
    }
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] / Math.sqrt(ms + eps) * weight.data()[i];
    }
    return out;
  }

  /** y = W x (+ b), W of shape (out, in). */
  static double[] lin(Map<String, Tensor> w, String prefix, double[] x) {
    double[] y = matVec(w.get(prefix + "weight"), x);
    Tensor b = w.get(prefix + "bias");
    if (b != null) {
      for (int i = 0; i < y.length; i++) {
        y[i] += b.data()[i];
      }
    }
    return y;
  }

  static double[] matVec(Tensor m, double[] x) {
    int out = (int) m.shape()[0];
    double[] y = new double[out];
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < x.length; i++) {
        y[o] += m.data()[o * x.length + i] * x[i];
      }
    }
    return y;
  }

  /** Rotates each head's pairs (i, i + hd/2) by angle position * inv[i]. */
  static double[] rotate(double[] x, int position, int heads, int hd, double[] inv) {
    double[] out = x.clone();
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < hd / 2; i++) {
        double c = Math.cos(position * inv[i]);
        double s = Math.sin(position * inv[i]);
        double x1 = x[h * hd + i];
        double x2 = x[h * hd + hd / 2 + i];
        out[h * hd + i] = x1 * c - x2 * s;
        out[h * hd + hd / 2 + i] = x2 * c + x1 * s;
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- tests

  @Test
  void everyFamilyMatchesTheFloat64Reference() {
    long[] tokens = {3, 17, 4, 1, 5, 9, 2, 6, 19, 0, 8};
    for (GptArchitecture a :
        List.of(
            tiny("llama", false, null),
            tiny("llama", true, LLAMA3),
            tiny("mistral", false, null),
            tiny("qwen2", true, null))) {
      try (GptModel model = randomised(a, 11)) {
        float[] got = logits(model, tokens, 0);
        double[][] want = reference(a, model.tensors(), tokens);
        int v = a.model().vocabularySize();
        double worst = 0;
        for (int t = 0; t < tokens.length; t++) {
          for (int j = 0; j < v; j++) {
            worst = Math.max(worst, Math.abs(got[t * v + j] - want[t][j]));
          }
        }
        assertTrue(
            worst < 1e-5,
            a.modelType()
                + " tied="
                + a.tieWordEmbeddings()
                + " scaling="
                + a.ropeScaling()
                + ": max |logit difference| "
                + worst);
      }
    }
  }

  @Test
  void llama3ScalingChangesOnlyLongWavelengths() {
    double[] plain = Rotary.inverseFrequencies(tiny("llama", false, null));
    double[] scaled = Rotary.inverseFrequencies(tiny("llama", false, LLAMA3));
    // theta 500, head_dim 6: wavelengths 2 pi, 2 pi 500^(1/3) = 49.9, 2 pi 500^(2/3) = 395.
    // original 16 / low 1 = 16, 16 / high 4 = 4: all three exceed 16 except the first (6.28,
    // between 4 and 16: interpolated).
    assertEquals(plain[1] / 8, scaled[1], 1e-15);
    assertEquals(plain[2] / 8, scaled[2], 1e-15);
    double smooth = (16 / (2 * Math.PI) - 1) / 3;
    assertEquals((1 - smooth) * plain[0] / 8 + smooth * plain[0], scaled[0], 1e-15);
  }

  @Test
  void rotaryAttentionDependsOnlyOnRelativePositions() {
    long[] tokens = {3, 17, 4, 1, 5, 9, 2};
    try (GptModel model = randomised(tiny("llama", false, null), 12)) {
      float[] at0 = logits(model, tokens, 0);
      float[] at7 = logits(model, tokens, 7);
      for (int i = 0; i < at0.length; i++) {
        assertEquals(at0[i], at7[i], 2e-5, "logit " + i);
      }
    }
    // The rotation itself: <R(p) q, R(p') k> depends on p - p' only.
    try (NDManager m = ENGINE.root().newSubManager()) {
      double[] inv = Rotary.inverseFrequencies(tiny("llama", false, null));
      NDArray q = m.randomNormal(new Shape(1, 1, 1, 6));
      NDArray k = m.randomNormal(new Shape(1, 1, 1, 6));
      float[] dots = new float[3];
      long[][] pairs = {{5, 2}, {9, 6}, {103, 100}};
      for (int i = 0; i < 3; i++) {
        NDArray rq =
            Rotary.apply(
                q, Rotary.cosSin(m.create(new long[] {pairs[i][0]}, new Shape(1, 1)), inv));
        NDArray rk =
            Rotary.apply(
                k, Rotary.cosSin(m.create(new long[] {pairs[i][1]}, new Shape(1, 1)), inv));
        dots[i] = rq.mul(rk).sum().getFloat();
      }
      assertEquals(dots[0], dots[1], 1e-5);
      assertEquals(dots[0], dots[2], 1e-4);
    }
  }

  @Test
  void groupedQueryAttentionEqualsMultiHeadWithSharedHeadsRepeated() {
    GptArchitecture gqa = tiny("llama", false, null);
    GptArchitecture mha =
        new GptArchitecture(
            "llama",
            gqa.model(),
            4,
            6,
            24,
            GptArchitecture.SILU,
            1e-5f,
            500,
            null,
            false,
            false,
            false,
            false,
            GptArchitecture.SpecialTokens.NONE);
    long[] tokens = {3, 17, 4, 1, 5, 9, 2};
    try (GptModel grouped = randomised(gqa, 13)) {
      Map<String, Tensor> weights = new LinkedHashMap<>(grouped.tensors());
      for (int l = 0; l < 2; l++) {
        for (String p : List.of("k_proj", "v_proj")) {
          String name = "model.layers." + l + ".self_attn." + p + ".weight";
          float[] w = weights.get(name).data(); // (2 heads x 6, 16)
          float[] repeated = new float[4 * 6 * 16];
          for (int head = 0; head < 4; head++) {
            System.arraycopy(w, (head / 2) * 6 * 16, repeated, head * 6 * 16, 6 * 16);
          }
          weights.put(name, new Tensor(new long[] {24, 16}, repeated));
        }
      }
      try (GptModel plain = GptModel.fromTensors(ENGINE.root(), mha, weights, null)) {
        float[] a = logits(grouped, tokens, 0);
        float[] b = logits(plain, tokens, 0);
        for (int i = 0; i < a.length; i++) {
          assertEquals(a[i], b[i], 1e-5, "logit " + i);
        }
      }
    }
  }

  @Test
  void logProbsDoNotDependOnBatchingOrPadding() {
    try (GptModel model = randomised(tiny("qwen2", false, null), 14)) {
      int[] prompt = {1, 2, 3};
      int[] response = {4, 5, 6, 7};
      double alone = model.sequenceLogProbs(List.of(prompt), List.of(response))[0];
      double[] batched =
          model.sequenceLogProbs(
              List.of(new int[] {9}, prompt, new int[] {2, 2, 2, 2, 2, 2, 2, 2}),
              List.of(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, response, new int[] {}));
      assertEquals(alone, batched[1], 1e-5);
      assertEquals(0.0, batched[2], 0.0);
      // Against the reference: the sum of the response tokens' log-softmax.
      long[] all = {1, 2, 3, 4, 5, 6, 7};
      double[][] l = reference(model.architecture(), model.tensors(), all);
      double want = 0;
      for (int t = 3; t < all.length; t++) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : l[t - 1]) {
          max = Math.max(max, x);
        }
        double z = 0;
        for (double x : l[t - 1]) {
          z += Math.exp(x - max);
        }
        want += l[t - 1][(int) all[t]] - max - Math.log(z);
      }
      assertEquals(want, alone, 1e-4);
    }
  }

  @Test
  void cachedGenerationEqualsRecomputationTokenForToken() {
    try (GptModel model = randomised(tiny("llama", true, LLAMA3), 15)) {
      List<int[]> prompts = List.of(new int[] {1}, new int[] {2, 3, 4, 5, 6}, new int[] {7, 8});
      for (GenerationConfig config :
          List.of(GenerationConfig.greedy(20, -1), GenerationConfig.sampling(20, 1.3, -1, 9))) {
        List<int[]> cached =
            new Generator(List.of(model), new double[] {1}, config, true)
                .generate(ENGINE.root(), prompts);
        List<int[]> recomputed =
            new Generator(List.of(model), new double[] {1}, config, false)
                .generate(ENGINE.root(), prompts);
        for (int i = 0; i < prompts.size(); i++) {
          assertArrayEquals(recomputed.get(i), cached.get(i), "prompt " + i);
        }
        // Left padding: each prompt alone continues the same way.
        for (int i = 0; i < prompts.size(); i++) {
          List<int[]> alone =
              new Generator(List.of(model), new double[] {1}, config, true)
                  .generate(ENGINE.root(), List.of(prompts.get(i)));
          if (config.isGreedy()) {
            assertArrayEquals(cached.get(i), alone.get(0), "prompt " + i + " alone");
          }
        }
      }
    }
  }

  @Test
  void theDpoGradientMatchesFiniteDifferences() {
    GptArchitecture a = tiny("qwen2", false, null);
    try (GptModel policy = randomised(a, 16);
        GptModel reference = randomised(a, 17);
        DjlTrainer trainer = new DjlTrainer(policy, TrainerConfig.adamW(1e-3))) {
      SplittableRandom r = new SplittableRandom(3);
      List<int[]> prompts = new ArrayList<>();
      List<int[]> chosen = new ArrayList<>();
      List<int[]> rejected = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        prompts.add(r.ints(1 + i, 0, 20).toArray());
        chosen.add(r.ints(3, 0, 20).toArray());
        rejected.add(r.ints(2 + i % 2, 0, 20).toArray());
      }
      PreferenceBatch batch =
          new PreferenceBatch(prompts, chosen, rejected, new double[] {0.9, 0.2, 0.7, 1.0});
      Objective dpo = DjlTrainerTest.sigmoid(2.0);
      trainer.dpoLossAndGradients(batch, reference, dpo);
      List<String> names =
          List.of(
              "model.norm.weight",
              "model.layers.1.mlp.gate_proj.weight",
              "model.layers.0.self_attn.k_proj.weight",
              "model.layers.0.self_attn.q_proj.bias",
              "lm_head.weight",
              "model.embed_tokens.weight");
      Map<String, float[]> gradients = new LinkedHashMap<>();
      for (String name : names) {
        NDArray g = policy.parameters().get(name).getGradient();
        gradients.put(name, g.toFloatArray());
        g.close();
      }
      for (String name : names) {
        NDArray p = policy.parameters().get(name);
        float[] gradient = gradients.get(name);
        for (int k = 0; k < 3; k++) {
          int i = r.nextInt(gradient.length);
          float[] values = p.toFloatArray();
          float original = values[i];
          double eps = 1e-2;
          values[i] = (float) (original + eps);
          p.set(values);
          double plus = trainer.dpoLossAndGradients(batch, reference, dpo);
          values[i] = (float) (original - eps);
          p.set(values);
          double minus = trainer.dpoLossAndGradients(batch, reference, dpo);
          values[i] = original;
          p.set(values);
          double numeric = (plus - minus) / (2 * eps);
          assertEquals(numeric, gradient[i], 2e-3 + 0.05 * Math.abs(numeric), name + "[" + i + "]");
        }
      }
    }
  }

  @Test
  void microBatchesAccumulateTheWholeBatchsGradient() {
    GptArchitecture a = tiny("llama", true, null);
    SplittableRandom r = new SplittableRandom(4);
    List<int[]> prompts = new ArrayList<>();
    List<int[]> chosen = new ArrayList<>();
    List<int[]> rejected = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      prompts.add(r.ints(2 + i % 3, 0, 20).toArray());
      chosen.add(r.ints(3, 0, 20).toArray());
      rejected.add(r.ints(1 + i % 2, 0, 20).toArray());
    }
    PreferenceBatch batch = PreferenceBatch.hard(prompts, chosen, rejected);
    Objective dpo = DjlTrainerTest.sigmoid(0.5);
    Map<String, float[]> whole = new LinkedHashMap<>();
    Map<String, float[]> split = new LinkedHashMap<>();
    double[] losses = new double[2];
    int[] tokens = {1024, 12}; // one pass; one or two pairs per pass
    for (int run = 0; run < 2; run++) {
      try (GptModel policy = randomised(a, 19);
          GptModel reference = randomised(a, 20);
          DjlTrainer trainer = new DjlTrainer(policy, TrainerConfig.adamW(1e-3), tokens[run])) {
        losses[run] = trainer.dpoLossAndGradients(batch, reference, dpo);
        for (Map.Entry<String, NDArray> e : policy.parameters().entrySet()) {
          NDArray g = e.getValue().getGradient();
          (run == 0 ? whole : split).put(e.getKey(), g.toFloatArray());
          g.close();
        }
      }
    }
    assertEquals(losses[0], losses[1], 1e-6); // float32 sums over other paddings
    for (String name : whole.keySet()) {
      float[] x = whole.get(name);
      float[] y = split.get(name);
      for (int i = 0; i < x.length; i++) {
        assertEquals(x[i], y[i], 1e-6 + 1e-4 * Math.abs(x[i]), name + "[" + i + "]");
      }
    }
  }

  @Test
  void saveAndLoadAreBitExactForEveryFamily(@TempDir Path dir) {
    for (GptArchitecture a :
        List.of(
            tiny("llama", false, LLAMA3),
            tiny("mistral", true, null),
            tiny("qwen2", false, null))) {
      Path checkpoint = dir.resolve(a.modelType() + a.tieWordEmbeddings());
      try (GptModel model = randomised(a, 18)) {
        model.save(checkpoint);
        try (GptModel loaded = GptModel.load(ENGINE.root(), checkpoint)) {
          assertEquals(a, loaded.architecture());
          assertEquals(model.tensors(), loaded.tensors());
          assertArrayEquals(
              logits(model, new long[] {1, 2, 3}, 0), logits(loaded, new long[] {1, 2, 3}, 0));
        }
      }
    }
  }
}
