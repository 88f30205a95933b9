package dpo.backend.gpu.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dpo.api.BadDataException;
import dpo.api.ConfigurationException;
import dpo.api.lm.ModelConfig;
import dpo.backend.gpu.safetensors.SafeTensors;
import dpo.backend.gpu.safetensors.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class GptModelTest {
  static final ModelConfig TINY = new ModelConfig(16, 16, 2, 2, 32);
  @RegisterExtension static final DjlEngine ENGINE = new DjlEngine();

  static float[] logits(GptModel model, long[] tokens) {
    try (NDManager m = model.manager().newSubManager()) {
      int n = tokens.length;
      return model
          .forward(
              m.create(tokens, new Shape(1, n)),
              GptModel.positionsOf(m, 1, n),
              GptModel.causalBias(m, n),
              null)
          .toFloatArray();
    }
  }

  @Test
  void changingATokenNeverChangesEarlierLogits() {
    try (GptModel model = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 1)) {
      long[] tokens = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
      float[] before = logits(model, tokens);
      int v = TINY.vocabularySize();
      for (int changed = 1; changed < tokens.length; changed++) {
        long[] other = tokens.clone();
        other[changed] = (other[changed] + 7) % v;
        float[] after = logits(model, other);
        for (int i = 0; i < changed * v; i++) {
          assertEquals(before[i], after[i], 0f, "position " + i / v + " saw token " + changed);
        }
        boolean differs = false;
        for (int i = changed * v; i < (changed + 1) * v; i++) {
          differs |= before[i] != after[i];
        }
        assertTrue(differs, "the changed position's own logits must change");
      }
    }
  }

  /** log-softmax of one row of logits, in float64. */
  private static double[] logSoftmax(float[] logits, int row, int v) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < v; j++) {
      max = Math.max(max, logits[row + j]);
    }
    double z = 0;
    for (int j = 0; j < v; j++) {
      z += Math.exp(logits[row + j] - max);
    }
    double[] out = new double[v];
    for (int j = 0; j < v; j++) {
      out[j] = logits[row + j] - max - Math.log(z);
    }
    return out;
  }

  /** The sum over response positions of the exact per-token KL, in float64 from the logits. */
  private static double directKl(GptModel p, GptModel q, int[] prompt, int[] response) {
    long[] all = new long[prompt.length + response.length];
    for (int i = 0; i < all.length; i++) {
      all[i] = i < prompt.length ? prompt[i] : response[i - prompt.length];
    }
    float[] lp = logits(p, all);
    float[] lq = logits(q, all);
    int v = TINY.vocabularySize();
    double kl = 0;
    for (int t = prompt.length; t < all.length; t++) {
      double[] a = logSoftmax(lp, (t - 1) * v, v);
      double[] b = logSoftmax(lq, (t - 1) * v, v);
      for (int j = 0; j < v; j++) {
        kl += Math.exp(a[j]) * (a[j] - b[j]);
      }
    }
    return kl;
  }

  @Test
  void sequenceKlIsTheExactPerTokenKlSummedOverTheResponseNeverNegativeAndZeroForACopy() {
    try (GptModel p = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 2);
        GptModel q = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 3);
        GptModel same = p.copy()) {
      List<int[]> prompts = List.of(new int[] {1, 2, 3}, new int[] {9}, new int[] {4, 4});
      List<int[]> responses =
          List.of(
              new int[] {4, 5, 6, 7}, new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, new int[] {});
      double[] kl = p.sequenceKl(q, prompts, responses);
      double[] reverse = q.sequenceKl(p, prompts, responses);
      for (int i = 0; i < prompts.size(); i++) {
        double direct = directKl(p, q, prompts.get(i), responses.get(i));
        assertEquals(direct, kl[i], 1e-5 + 1e-4 * direct, "pair " + i);
        assertEquals(directKl(q, p, prompts.get(i), responses.get(i)), reverse[i], 1e-4);
        assertTrue(kl[i] >= 0, "KL is never negative: " + kl[i]);
      }
      assertTrue(kl[0] > 0 && kl[1] > kl[0], "two different models diverge, more on longer text");
      assertEquals(0.0, kl[2], 0.0, "an empty response has no positions");
      // Batched with others or alone, the value stays (padding is invisible).
      assertEquals(kl[0], p.sequenceKl(q, prompts.subList(0, 1), responses.subList(0, 1))[0], 1e-6);
      double[] chunked = p.sequenceKl(q, prompts, responses, 5L * TINY.vocabularySize());
      for (int i = 0; i < kl.length; i++) {
        assertEquals(kl[i], chunked[i], 1e-6, "chunks of 5 positions give the same values");
      }
      for (double d : p.sequenceKl(same, prompts, responses)) {
        assertEquals(0.0, d, 0.0, "a model does not diverge from its copy");
      }
    }
  }

  @Test
  void sequenceKlRefusesModelsWithAnotherVocabulary() {
    try (GptModel p = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 2);
        GptModel q =
            GptModel.create(
                ENGINE.root(), GptArchitecture.gpt2(new ModelConfig(20, 16, 2, 2, 32)), 3)) {
      ConfigurationException e =
          assertThrows(
              ConfigurationException.class,
              () -> p.sequenceKl(q, List.of(new int[] {1}), List.of(new int[] {2})));
      assertTrue(e.getMessage().contains("one vocabulary"), e.getMessage());
    }
  }

  @Test
  void sequenceLogProbsEqualTheDirectPerTokenSum() {
    try (GptModel model = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 2)) {
      int[] prompt = {1, 2, 3};
      int[] response = {4, 5, 6, 7};
      long[] all = {1, 2, 3, 4, 5, 6, 7};
      float[] l = logits(model, all);
      int v = TINY.vocabularySize();
      double direct = 0;
      for (int t = prompt.length; t < all.length; t++) {
        int row = (t - 1) * v;
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < v; j++) {
          max = Math.max(max, l[row + j]);
        }
        double z = 0;
        for (int j = 0; j < v; j++) {
          z += Math.exp(l[row + j] - max);
        }
        direct += l[row + (int) all[t]] - max - Math.log(z);
      }
      double alone = model.sequenceLogProbs(List.of(prompt), List.of(response))[0];
      assertEquals(direct, alone, 1e-4);
      // Padding: batched with longer and shorter sequences, the value stays.
      double[] batched =
          model.sequenceLogProbs(
              List.of(new int[] {9}, prompt, new int[] {2, 2, 2, 2, 2, 2, 2, 2}),
              List.of(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, response, new int[] {}));
      assertEquals(alone, batched[1], 1e-4);
      assertEquals(0.0, batched[2], 0.0, "an empty response has log-probability 0");
    }
  }

  @Test
  void badTokensAndLengthsAreRejectedWithTheFix() {
    try (GptModel model = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 3)) {
      ConfigurationException outside =
          assertThrows(
              ConfigurationException.class,
              () -> model.sequenceLogProbs(List.of(new int[] {1}), List.of(new int[] {16})));
      assertTrue(outside.getMessage().contains("outside the vocabulary"), outside.getMessage());
      ConfigurationException tooLong =
          assertThrows(
              ConfigurationException.class,
              () -> model.sequenceLogProbs(List.of(new int[20]), List.of(new int[20])));
      assertTrue(tooLong.getMessage().contains("context is 32"), tooLong.getMessage());
    }
  }

  @Test
  void saveAndLoadGiveIdenticalLogits(@TempDir Path dir) throws Exception {
    Path checkpoint = dir.resolve("model");
    long[] tokens = {1, 2, 3, 4, 5};
    try (GptModel model = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 4)) {
      model.save(checkpoint);
      model.save(checkpoint); // replacing an existing checkpoint works too
      try (GptModel loaded = GptModel.load(ENGINE.root(), checkpoint)) {
        assertEquals(model.architecture(), loaded.architecture());
        assertArrayEquals(logits(model, tokens), logits(loaded, tokens));
      }
    }
    assertTrue(Files.readString(checkpoint.resolve("config.json")).contains("\"n_embd\": 16"));
    try (var files = Files.list(dir)) {
      assertEquals(List.of(checkpoint), files.toList(), "no staging folder may remain");
    }
  }

  @Test
  void aHuggingFaceStyleGpt2FolderLoads(@TempDir Path dir) throws Exception {
    // Hugging Face files prefix names with "transformer.", carry attention-mask buffers and may
    // name the context n_ctx.
    try (GptModel model = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 5)) {
      Map<String, Tensor> hub = new LinkedHashMap<>();
      model.tensors().forEach((k, t) -> hub.put("transformer." + k, t));
      hub.put("transformer.h.0.attn.bias", new Tensor(new long[] {1, 1, 2, 2}, new float[4]));
      SafeTensors.write(dir.resolve("model.safetensors"), hub, Map.of("format", "pt"));
      Files.writeString(
          dir.resolve("config.json"),
          "{\"model_type\": \"gpt2\", \"vocab_size\": 16,"
              + " \"n_embd\": 16, \"n_layer\": 2, \"n_head\": 2, \"n_ctx\": 32,"
              + " \"activation_function\": \"gelu_new\", \"eos_token_id\": 15}");
      try (GptModel loaded = GptModel.load(ENGINE.root(), dir)) {
        assertArrayEquals(logits(model, new long[] {7, 8}), logits(loaded, new long[] {7, 8}));
      }
    }
  }

  @Test
  void aCheckpointThatDoesNotMatchItsConfigFailsClearly(@TempDir Path dir) throws Exception {
    try (GptModel model = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 6)) {
      model.save(dir.resolve("m"));
    }
    Path config = dir.resolve("m/config.json");
    Files.writeString(config, Files.readString(config).replace("\"n_layer\": 2", "\"n_layer\": 3"));
    BadDataException missing =
        assertThrows(BadDataException.class, () -> GptModel.load(ENGINE.root(), dir.resolve("m")));
    assertTrue(missing.getMessage().contains("h.2."), missing.getMessage());
    Files.writeString(config, "{\"model_type\": \"gemma\"}");
    BadDataException gemma =
        assertThrows(BadDataException.class, () -> GptModel.load(ENGINE.root(), dir.resolve("m")));
    assertTrue(
        gemma
            .getMessage()
            .contains(
                "(model_type): model_type 'gemma' is not supported;"
                    + " supported: llama, mistral, qwen2, gpt2"),
        gemma.getMessage());
    BadDataException none =
        assertThrows(
            BadDataException.class, () -> GptModel.load(ENGINE.root(), dir.resolve("absent")));
    assertTrue(none.getMessage().contains("config.json"), none.getMessage());
  }

  @Test
  void copiesAreIndependent() {
    try (GptModel model = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 7);
        GptModel copy = model.copy()) {
      long[] tokens = {1, 2, 3};
      assertArrayEquals(logits(model, tokens), logits(copy, tokens));
      NDArray w = copy.parameters().get("ln_f.bias");
      w.addi(1f);
      assertTrue(logits(model, tokens)[0] != logits(copy, tokens)[0]);
      copy.copyFrom(model);
      assertArrayEquals(logits(model, tokens), logits(copy, tokens));
    }
  }
}
