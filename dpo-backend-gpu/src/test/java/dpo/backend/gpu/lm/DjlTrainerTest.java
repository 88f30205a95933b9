package dpo.backend.gpu.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.lm.ModelConfig;
import dpo.api.lm.PreferenceBatch;
import dpo.api.lm.StepMetrics;
import dpo.api.lm.TrainerConfig;
import dpo.api.objective.Objective;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DjlTrainerTest {
  static final ModelConfig TINY = new ModelConfig(16, 16, 2, 2, 32);
  @RegisterExtension static final DjlEngine ENGINE = new DjlEngine();

  /** The sigmoid DPO loss, written out here so the test does not trust the production objective. */
  static Objective sigmoid(double beta) {
    return new Objective() {
      @Override
      public double beta() {
        return beta;
      }

      @Override
      public double loss(double h, double p) {
        return p * Math.log1p(Math.exp(-beta * h)) + (1 - p) * Math.log1p(Math.exp(beta * h));
      }

      @Override
      public double derivative(double h, double p) {
        double s = 1 / (1 + Math.exp(-beta * h));
        return beta * (s - p);
      }
    };
  }

  static PreferenceBatch batch(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<int[]> prompts = new ArrayList<>();
    List<int[]> chosen = new ArrayList<>();
    List<int[]> rejected = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      prompts.add(r.ints(1 + r.nextInt(4), 1, 16).toArray());
      chosen.add(r.ints(2 + r.nextInt(6), 1, 8).toArray()); // low ids preferred
      rejected.add(r.ints(2 + r.nextInt(6), 8, 16).toArray());
    }
    return PreferenceBatch.hard(prompts, chosen, rejected);
  }

  @Test
  void theLossStartsAtLog2AndFalls() {
    try (GptModel policy = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 1);
        GptModel reference = policy.copy();
        DjlTrainer trainer = new DjlTrainer(policy, TrainerConfig.adamW(1e-2))) {
      PreferenceBatch batch = batch(8, 3);
      Objective dpo = sigmoid(0.1);
      StepMetrics first = trainer.dpoStep(batch, reference, dpo);
      assertEquals(Math.log(2), first.loss(), 1e-6, "policy = reference gives h = 0");
      assertEquals(0.0, first.rewardsChosen(), 1e-6);
      StepMetrics last = first;
      for (int i = 0; i < 30; i++) {
        last = trainer.dpoStep(batch, reference, dpo);
      }
      assertTrue(last.loss() < 0.5 * first.loss(), "loss " + first.loss() + " -> " + last.loss());
      assertTrue(last.rewardsMargin() > 0 && last.rewardsAccuracy() == 1.0);
      assertEquals(31, trainer.steps());
      // The reference did not move.
      assertEquals(first.logpsChosen(), meanLogp(reference, batch), 1e-4);
    }
  }

  static double meanLogp(GptModel model, PreferenceBatch batch) {
    double[] l = model.sequenceLogProbs(batch.prompts(), batch.chosen());
    double s = 0;
    for (double x : l) {
      s += x / l.length;
    }
    return s;
  }

  @Test
  void theGradientIsTheObjectivesGradient() {
    // Central finite differences of the batch loss along single parameters, for a loss with soft
    // labels so that every pair contributes.
    try (GptModel policy = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 2);
        GptModel reference = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 3);
        DjlTrainer trainer = new DjlTrainer(policy, TrainerConfig.adamW(1e-3))) {
      PreferenceBatch hard = batch(6, 4);
      double[] soft = {0.9, 0.2, 0.7, 1.0, 0.5, 0.35};
      PreferenceBatch batch =
          new PreferenceBatch(hard.prompts(), hard.chosen(), hard.rejected(), soft);
      Objective dpo = sigmoid(2.0);
      trainer.dpoLossAndGradients(batch, reference, dpo);
      List<String> names =
          List.of("ln_f.bias", "h.1.mlp.c_proj.weight", "wte.weight", "h.0.attn.c_attn.weight");
      // Read every gradient now: later backward passes accumulate into them.
      java.util.Map<String, float[]> gradients = new java.util.HashMap<>();
      for (String name : names) {
        ai.djl.ndarray.NDArray g = policy.parameters().get(name).getGradient();
        gradients.put(name, g.toFloatArray());
        g.close();
      }
      SplittableRandom r = new SplittableRandom(8);
      for (String name : names) {
        ai.djl.ndarray.NDArray p = policy.parameters().get(name);
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
  void everyBundledObjectiveTrains() {
    dpo.core.DpoRuntime runtime = dpo.core.DpoRuntime.builder().build();
    for (String id : List.of("sigmoid", "ipo", "hinge")) {
      Objective objective =
          runtime.objectives().get(id).create(dpo.api.objective.ObjectiveConfig.ofBeta(0.5));
      try (GptModel policy = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 6);
          GptModel reference = policy.copy();
          DjlTrainer trainer = new DjlTrainer(policy, TrainerConfig.adamW(1e-2))) {
        PreferenceBatch batch = batch(8, 7);
        StepMetrics first = trainer.dpoStep(batch, reference, objective);
        assertEquals(objective.loss(0, 1), first.loss(), 1e-6, id + " starts at l(0, 1)");
        StepMetrics last = first;
        for (int i = 0; i < 15; i++) {
          last = trainer.dpoStep(batch, reference, objective);
        }
        assertTrue(
            last.loss() < first.loss() && last.rewardsMargin() > 0,
            id + ": " + first + " -> " + last);
      }
    }
  }

  @Test
  void supervisedStepsFitTheDemonstrations() {
    try (GptModel model = GptModel.create(ENGINE.root(), GptArchitecture.gpt2(TINY), 5);
        DjlTrainer trainer = new DjlTrainer(model, TrainerConfig.adamW(1e-2))) {
      List<int[]> prompts = List.of(new int[] {1, 2}, new int[] {3});
      List<int[]> responses = List.of(new int[] {4, 5, 6}, new int[] {7, 8});
      double first = trainer.supervisedStep(prompts, responses);
      assertEquals(Math.log(16), first, 0.3, "an untrained model is near uniform");
      double last = first;
      for (int i = 0; i < 60; i++) {
        last = trainer.supervisedStep(prompts, responses);
      }
      assertTrue(last < 0.2, "token loss " + first + " -> " + last);
    }
  }

  @Test
  void theScheduleWarmsUpThenDecays() {
    TrainerConfig c = TrainerConfig.adamW(1.0).withSchedule(4, 14);
    assertEquals(0.2, c.learningRateAt(0), 1e-12);
    assertEquals(1.0, c.learningRateAt(4), 1e-12);
    assertEquals(0.5, c.learningRateAt(9), 1e-12);
    assertEquals(0.0, c.learningRateAt(14), 1e-12);
    assertEquals(0.0, c.learningRateAt(100), 1e-12);
  }
}
