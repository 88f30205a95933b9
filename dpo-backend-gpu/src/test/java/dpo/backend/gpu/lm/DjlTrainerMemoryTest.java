package dpo.backend.gpu.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import dpo.api.ConfigurationException;
import dpo.api.lm.PreferenceBatch;
import dpo.api.lm.ReferenceLogProbs;
import dpo.api.lm.StepMetrics;
import dpo.api.lm.TrainerConfig;
import dpo.api.objective.Objective;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The memory savers of the DPO step: gradients accumulated over micro-batches give the update of
 * the whole batch, and reference log-probabilities computed once give the same steps as a reference
 * run at every step.
 */
class DjlTrainerMemoryTest {
  @RegisterExtension static final DjlEngine ENGINE = new DjlEngine();

  private static Map<String, float[]> values(GptModel model) {
    Map<String, float[]> out = new LinkedHashMap<>();
    model.parameters().forEach((name, p) -> out.put(name, p.toFloatArray()));
    return out;
  }

  private static Map<String, float[]> gradients(GptModel model) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
      NDArray g = e.getValue().getGradient();
      out.put(e.getKey(), g.toFloatArray());
      g.muli(0f); // clear it for the next backward pass
      g.close();
    }
    return out;
  }

  @Test
  void eightMicroBatchesAccumulateToTheUpdateOfOneBatch() {
    // 8 pairs of at most 11 tokens: 1,024 tokens hold them in one pass, 12 tokens one pair a pass.
    PreferenceBatch batch = DjlTrainerTest.batch(8, 21);
    Objective dpo = DjlTrainerTest.sigmoid(0.5);
    int[] tokens = {1024, 12};
    List<Map<String, float[]>> grads = new java.util.ArrayList<>();
    List<Map<String, float[]>> after = new java.util.ArrayList<>();
    List<List<StepMetrics>> metrics = new java.util.ArrayList<>();
    for (int run = 0; run < 2; run++) {
      try (GptModel policy =
              GptModel.create(ENGINE.root(), GptArchitecture.gpt2(DjlTrainerTest.TINY), 2);
          GptModel reference =
              GptModel.create(ENGINE.root(), GptArchitecture.gpt2(DjlTrainerTest.TINY), 3);
          DjlTrainer trainer = new DjlTrainer(policy, TrainerConfig.adamW(1e-2), tokens[run])) {
        trainer.dpoLossAndGradients(batch, reference, dpo);
        grads.add(gradients(policy));
        List<StepMetrics> steps = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
          steps.add(trainer.dpoStep(batch, reference, dpo));
        }
        metrics.add(steps);
        after.add(values(policy));
      }
    }
    for (String name : grads.get(0).keySet()) {
      float[] whole = grads.get(0).get(name);
      float[] split = grads.get(1).get(name);
      for (int i = 0; i < whole.length; i++) {
        assertEquals(whole[i], split[i], 1e-6 + 1e-5 * Math.abs(whole[i]), name + "[" + i + "]");
      }
    }
    for (int s = 0; s < 3; s++) {
      StepMetrics a = metrics.get(0).get(s);
      StepMetrics b = metrics.get(1).get(s);
      assertEquals(a.loss(), b.loss(), 1e-6, "step " + s);
      // The norm before clipping: a gradient summed without the 1/n of the mean would differ.
      assertEquals(a.gradNorm(), b.gradNorm(), 1e-6 * a.gradNorm(), "step " + s);
      assertEquals(a.rewardsMargin(), b.rewardsMargin(), 1e-6, "step " + s);
    }
    for (String name : after.get(0).keySet()) {
      float[] whole = after.get(0).get(name);
      float[] split = after.get(1).get(name);
      for (int i = 0; i < whole.length; i++) {
        assertEquals(whole[i], split[i], 1e-6, name + "[" + i + "] after 3 updates");
      }
    }
  }

  @Test
  void referenceLogProbsComputedOnceGiveTheSameSteps() {
    PreferenceBatch batch = DjlTrainerTest.batch(6, 22);
    Objective dpo = DjlTrainerTest.sigmoid(0.5);
    try (GptModel reference =
            GptModel.create(ENGINE.root(), GptArchitecture.gpt2(DjlTrainerTest.TINY), 4);
        GptModel a = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(DjlTrainerTest.TINY), 5);
        GptModel b = a.copy();
        DjlTrainer everyStep = new DjlTrainer(a, TrainerConfig.adamW(1e-2));
        DjlTrainer once = new DjlTrainer(b, TrainerConfig.adamW(1e-2))) {
      ReferenceLogProbs logps = once.referenceLogProbs(batch, reference);
      assertArrayEquals(
          reference.sequenceLogProbs(batch.prompts(), batch.chosen()), logps.chosen(), 1e-5);
      assertArrayEquals(
          reference.sequenceLogProbs(batch.prompts(), batch.rejected()), logps.rejected(), 1e-5);
      for (int i = 0; i < 4; i++) {
        StepMetrics x = everyStep.dpoStep(batch, reference, dpo);
        StepMetrics y = once.dpoStep(batch, logps, dpo);
        assertEquals(x, y, "step " + i);
      }
      Map<String, float[]> va = values(a);
      Map<String, float[]> vb = values(b);
      for (String name : va.keySet()) {
        assertArrayEquals(va.get(name), vb.get(name), name);
      }
      // Pairs reordered and picked out keep their own log-probabilities.
      ReferenceLogProbs picked = logps.select(4, 0);
      assertEquals(logps.chosen()[4], picked.chosen()[0]);
      assertEquals(logps.rejected()[0], picked.rejected()[1]);
      ConfigurationException e =
          assertThrows(ConfigurationException.class, () -> once.dpoStep(batch, picked, dpo));
      assertTrue(e.getMessage().contains("of 2 pairs for a batch of 6"), e.getMessage());
    }
  }
}
