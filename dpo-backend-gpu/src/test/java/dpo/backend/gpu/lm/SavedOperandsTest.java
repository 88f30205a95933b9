package dpo.backend.gpu.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dpo.api.lm.ModelConfig;
import dpo.backend.gpu.DjlOffline;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Operands autograd saves must outlive the backward pass. The forward pass runs, then the JVM is
 * made to collect garbage and reuse freed native memory (direct buffers filled with NaN bytes),
 * then the backward pass runs: the gradient must equal an undisturbed one. DJL's scalar arithmetic
 * ({@code x.mul(0.5f)}) broke this on the CPU; see {@code dpo.backend.gpu.Scalars}.
 */
class SavedOperandsTest {

  static float[] gradient(GptModel model, boolean disturb) {
    List<int[]> prompts = List.of(new int[] {1, 2, 3}, new int[] {4});
    List<int[]> responses = List.of(new int[] {5, 6}, new int[] {7, 8, 9});
    try (NDManager m = model.manager().newSubManager();
        GradientCollector tape = Engine.getInstance().newGradientCollector()) {
      NDArray loss = model.sequenceLogProbs(m, prompts, responses).sum();
      if (disturb) {
        reuseFreedMemory();
      }
      tape.backward(loss);
    }
    NDArray g = model.parameters().get("h.0.mlp.c_fc.weight").getGradient();
    float[] out = g.toFloatArray();
    for (NDArray p : model.parameters().values()) {
      NDArray grad = p.getGradient();
      grad.muli(0f);
      grad.close();
    }
    g.close();
    return out;
  }

  static void reuseFreedMemory() {
    for (int round = 0; round < 3; round++) {
      System.gc();
      List<ByteBuffer> junk = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        ByteBuffer b = ByteBuffer.allocateDirect(4 + 4 * (i % 8));
        while (b.hasRemaining()) {
          b.put((byte) 0xff); // 0xffffffff is a NaN float
        }
        junk.add(b);
      }
    }
  }

  @Test
  void gradientsDoNotDependOnWhatHappensBetweenForwardAndBackward() {
    DjlOffline.enforce();
    try (NDManager root = NDManager.newBaseManager();
        GptModel model =
            GptModel.create(root, GptArchitecture.gpt2(new ModelConfig(12, 16, 1, 2, 16)), 1)) {
      float[] quiet = gradient(model, false);
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(quiet, gradient(model, true), 1e-6f);
      }
    }
  }
}
