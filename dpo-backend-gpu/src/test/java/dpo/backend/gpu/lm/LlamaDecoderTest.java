package dpo.backend.gpu.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LoraConfig;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link LlamaDecoder}'s one-token steps against the plain forward pass over the whole sequence.
 */
class LlamaDecoderTest {
  @RegisterExtension static final DjlEngine ENGINE = new DjlEngine();

  /**
   * Two left-padded prompts, then three decoding steps through the cache: each step's logits equal
   * the last position of a recomputation of the whole grid without a cache, to 1e-5, with the
   * steps' products on the host kernel ({@link StepProducts}) and on PyTorch's linear.
   */
  @ParameterizedTest
  @CsvSource({
    "llama,false,false,false,true",
    "llama,true,false,false,true",
    "qwen2,false,false,false,true",
    "qwen2,false,true,false,true",
    "llama,false,false,true,true",
    "llama,false,true,true,true",
    "llama,true,true,true,false",
    "qwen2,false,true,false,false"
  })
  void decodingStepsEqualThePlainForwardPass(
      String type, boolean tied, boolean lora, boolean allBiases, boolean hostProducts) {
    // allBiases: Llama's attention_bias and mlp_bias
    GptArchitecture a = LlamaModelTest.tiny(type, tied, null, allBiases);
    try (GptModel model = LlamaModelTest.randomised(ENGINE.root(), a, 21);
        NDManager m = ENGINE.root().newSubManager()) {
      // Sharper attention than the 0.02 initialisation's near-uniform weights, so that every
      // part of the step (scale, rotation, bias) shows in the logits.
      model
          .parameters()
          .forEach(
              (name, w) -> {
                if (name.contains("q_proj.weight") || name.contains("k_proj.weight")) {
                  w.muli(10f);
                } else if (name.endsWith("proj.weight")) {
                  w.muli(3f);
                }
              });
      if (lora) {
        model.addLora(new LoraConfig(2, 4, List.of(LoraConfig.ALL_LINEAR)), 5);
        LoraTest.randomiseB(model, 6);
      }
      long[][] grid = {{3, 17, 4, 1, 5, 9, 2, 11}, {0, 0, 8, 6, 7, 12, 19, 13}};
      boolean[][] real = new boolean[2][8];
      for (int b = 0; b < 2; b++) {
        for (int t = 0; t < 8; t++) {
          real[b][t] = b == 0 || t >= 2;
        }
      }
      int prompt = 5;
      try (Decoding decoding = new Decoding(model, m, grid[0].length, hostProducts)) {
        decoding.lastLogits(
            Generator.slice(m, grid, 0, prompt),
            Generator.positions(m, real, 0, prompt),
            Generator.bias(m, real, 0, prompt));
        for (int end = prompt + 1; end <= grid[0].length; end++) {
          float[] decoded =
              decoding
                  .lastLogits(
                      Generator.slice(m, grid, end - 1, end),
                      Generator.positions(m, real, end - 1, end),
                      Generator.bias(m, real, end - 1, end))
                  .toFloatArray();
          assertEquals(end, decoding.length());
          // The tests run with the CPU backend's kernel and the Vector API module loaded.
          assertEquals(hostProducts, decoding.stepsOnHost(), "products on the host kernel");
          float[] plain =
              model
                  .lastLogits(
                      Generator.slice(m, grid, 0, end),
                      Generator.positions(m, real, 0, end),
                      Generator.bias(m, real, 0, end),
                      null)
                  .toFloatArray();
          assertEquals(plain.length, decoded.length);
          for (int i = 0; i < plain.length; i++) {
            assertEquals(plain[i], decoded[i], 1e-5, type + " step " + end + " logit " + i);
          }
        }
      }
    }
  }

  /** Sampled generation with adapters on: the prepared steps give the recomputation's tokens. */
  @ParameterizedTest
  @CsvSource({"llama", "qwen2"})
  void cachedGenerationWithAdaptersEqualsRecomputation(String type) {
    GptArchitecture a = LlamaModelTest.tiny(type, false, null);
    try (GptModel model = LlamaModelTest.randomised(ENGINE.root(), a, 31)) {
      model.addLora(new LoraConfig(2, 4, List.of(LoraConfig.ALL_LINEAR)), 7);
      LoraTest.randomiseB(model, 8);
      model.parameters().get("model.embed_tokens.weight").muli(20f);
      List<int[]> prompts = List.of(new int[] {3, 4, 5}, new int[] {7}, new int[] {1, 2});
      GenerationConfig config = GenerationConfig.sampling(12, 1.0, -1, 9);
      List<int[]> cached =
          new Generator(List.of(model), new double[] {1}, config, true)
              .generate(ENGINE.root(), prompts);
      List<int[]> recomputed =
          new Generator(List.of(model), new double[] {1}, config, false)
              .generate(ENGINE.root(), prompts);
      for (int i = 0; i < prompts.size(); i++) {
        assertArrayEquals(recomputed.get(i), cached.get(i), "prompt " + i);
      }
      assertTrue(cached.stream().mapToInt(r -> r.length).sum() > 3);
    }
  }
}
