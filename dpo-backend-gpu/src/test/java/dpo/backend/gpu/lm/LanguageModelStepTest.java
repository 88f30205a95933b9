package dpo.backend.gpu.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.BadDataException;
import dpo.api.ConfigurationException;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.TokenBatch;
import dpo.api.lm.TokenLoss;
import dpo.api.lm.TrainerConfig;
import dpo.backend.gpu.safetensors.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Next-token steps on masked blocks ({@link DjlTrainer#languageModelStep}): the loss is the mean
 * over target tokens only, checked against an independent path (the models' sequence
 * log-probabilities and the supervised step); parts of a batch add up to the whole; the optimizer
 * state round-trips exactly.
 */
class LanguageModelStepTest {
  static final ModelConfig SHAPE = new ModelConfig(16, 16, 2, 2, 32);
  @RegisterExtension static final DjlEngine ENGINE = new DjlEngine();
  @TempDir Path tmp;

  private static GptModel llama(long seed) {
    return GptModel.create(ENGINE.root(), GptArchitecture.llama(SHAPE, 1, 24, false), seed);
  }

  private static TrainerConfig sgdLike() {
    return new TrainerConfig(1e-2, 0.0, 0.9, 0.999, 1e-8, 0, 0, 0, 0);
  }

  /** bos=0, prompt 5 6 7, response 9 3 eos=1, then padding 2 2 (targets: the response only). */
  private static final int[] BLOCK = {0, 5, 6, 7, 9, 3, 1, 2, 2};

  private static final boolean[] MASK = {
    false, false, false, false, true, true, true, false, false
  };

  @Test
  void theLossIsTheMeanOverTargetTokensOnly() {
    try (GptModel model = llama(1);
        DjlTrainer trainer = new DjlTrainer(model, sgdLike())) {
      TokenLoss loss =
          trainer.tokenLoss(new TokenBatch(new int[][] {BLOCK}, new boolean[][] {MASK}));
      double logp =
          model.sequenceLogProbs(List.of(new int[] {0, 5, 6, 7}), List.of(new int[] {9, 3, 1}))[0];
      assertEquals(3, loss.tokens());
      assertEquals(-logp / 3, loss.loss(), 1e-5);
      assertEquals(Math.exp(loss.loss()), loss.perplexity(), 1e-12);
      // Masked tokens after the targets (padding) and masked prompt values do not count except as
      // context: changing the padding leaves the loss unchanged.
      int[] otherPadding = BLOCK.clone();
      otherPadding[7] = 11;
      otherPadding[8] = 12;
      assertEquals(
          loss.loss(),
          trainer
              .tokenLoss(new TokenBatch(new int[][] {otherPadding}, new boolean[][] {MASK}))
              .loss(),
          1e-6);
    }
  }

  @Test
  void aPackedBlockWeighsEveryTargetTokenEqually() {
    // Two sequences in one block, every token after the first a target; blocks of two rows.
    int[][] tokens = {{0, 4, 5, 1, 0, 6, 7, 8}, {0, 9, 1, 2, 2, 2, 2, 2}};
    boolean[][] targets = {
      {false, true, true, true, true, true, true, true},
      {false, true, true, false, false, false, false, false}
    };
    try (GptModel model = llama(2);
        DjlTrainer trainer = new DjlTrainer(model, sgdLike())) {
      TokenLoss loss = trainer.tokenLoss(new TokenBatch(tokens, targets));
      double a =
          model
              .sequenceLogProbs(List.of(new int[] {0}), List.of(new int[] {4, 5, 1, 0, 6, 7, 8}))[
              0];
      double b = model.sequenceLogProbs(List.of(new int[] {0}), List.of(new int[] {9, 1}))[0];
      assertEquals(9, loss.tokens());
      assertEquals(-(a + b) / 9, loss.loss(), 1e-5);
    }
  }

  @Test
  void theGradientIsTheSupervisedStepsOnTheSameResponse() {
    // The supervised step computes the same mean response-token loss through another path
    // (prompt and response lists); one update from each must move the parameters identically.
    try (GptModel a = llama(3);
        GptModel b = a.copy();
        DjlTrainer masked = new DjlTrainer(a, sgdLike());
        DjlTrainer supervised = new DjlTrainer(b, sgdLike())) {
      TokenLoss step =
          masked.languageModelStep(new TokenBatch(new int[][] {BLOCK}, new boolean[][] {MASK}));
      double reference =
          supervised.supervisedStep(List.of(new int[] {0, 5, 6, 7}), List.of(new int[] {9, 3, 1}));
      assertEquals(reference, step.loss(), 1e-5);
      assertTrue(step.gradNorm() > 0);
      assertParametersClose(b, a, 1e-6);
    }
  }

  @Test
  void partsOfABatchAddUpToTheWholeBatch() {
    int[][] tokens = new int[6][];
    boolean[][] targets = new boolean[6][];
    for (int i = 0; i < 6; i++) {
      tokens[i] = new int[] {0, 3 + i, 4, 5 + i % 3, 1, 2};
      targets[i] = new boolean[] {false, i % 2 == 0, true, true, true, false};
    }
    TokenBatch batch = new TokenBatch(tokens, targets);
    try (GptModel a = llama(4);
        GptModel b = a.copy();
        DjlTrainer whole = new DjlTrainer(a, sgdLike());
        DjlTrainer parts = new DjlTrainer(b, sgdLike(), 6)) { // one block per pass
      TokenLoss w = whole.languageModelStep(batch);
      TokenLoss p = parts.languageModelStep(batch);
      assertEquals(w.loss(), p.loss(), 1e-6);
      assertEquals(w.gradNorm(), p.gradNorm(), 1e-5);
      assertParametersClose(a, b, 1e-6);
    }
  }

  @Test
  void theOptimizerStateResumesExactly() {
    TokenBatch batch = new TokenBatch(new int[][] {BLOCK}, new boolean[][] {MASK});
    TrainerConfig config = new TrainerConfig(1e-2, 0.01, 0.9, 0.999, 1e-8, 2, 6, 0, 1.0);
    Path saved = tmp.resolve("model");
    Path state = tmp.resolve("optimizer.safetensors");
    try (GptModel straight = llama(5);
        DjlTrainer t = new DjlTrainer(straight, config)) {
      for (int i = 0; i < 3; i++) {
        t.languageModelStep(batch);
      }
      straight.save(saved);
      t.saveState(state);
      for (int i = 0; i < 3; i++) {
        t.languageModelStep(batch);
      }
      try (GptModel resumed = GptModel.load(ENGINE.root(), saved);
          DjlTrainer r = new DjlTrainer(resumed, config)) {
        r.loadState(state);
        assertEquals(3, r.steps());
        for (int i = 0; i < 3; i++) {
          r.languageModelStep(batch);
        }
        assertParametersClose(straight, resumed, 0);
      }
      // Without the moments (a fresh optimizer) the result differs: the test can fail.
      try (GptModel fresh = GptModel.load(ENGINE.root(), saved);
          DjlTrainer f = new DjlTrainer(fresh, config)) {
        for (int i = 0; i < 3; i++) {
          f.languageModelStep(batch);
        }
        assertTrue(maxDifference(straight, fresh) > 1e-6);
      }
    }
  }

  @Test
  void aStateOfAnotherModelOrNoTargetsIsRefused() {
    Path state = tmp.resolve("other.safetensors");
    try (GptModel small = llama(6);
        DjlTrainer t = new DjlTrainer(small, sgdLike());
        GptModel other =
            GptModel.create(
                ENGINE.root(), GptArchitecture.gpt2(new ModelConfig(16, 8, 1, 2, 32)), 1);
        DjlTrainer o = new DjlTrainer(other, sgdLike())) {
      o.saveState(state);
      BadDataException e = assertThrows(BadDataException.class, () -> t.loadState(state));
      assertTrue(e.getMessage().contains("another model"), e.getMessage());
      boolean[] none = new boolean[BLOCK.length];
      ConfigurationException c =
          assertThrows(
              ConfigurationException.class,
              () ->
                  t.languageModelStep(new TokenBatch(new int[][] {BLOCK}, new boolean[][] {none})));
      assertTrue(c.getMessage().contains("no target"), c.getMessage());
    }
  }

  private static double maxDifference(GptModel a, GptModel b) {
    double max = 0;
    Map<String, Tensor> x = a.tensors();
    Map<String, Tensor> y = b.tensors();
    for (String name : x.keySet()) {
      float[] p = x.get(name).data();
      float[] q = y.get(name).data();
      for (int i = 0; i < p.length; i++) {
        max = Math.max(max, Math.abs(p[i] - q[i]));
      }
    }
    return max;
  }

  private static void assertParametersClose(GptModel expected, GptModel actual, double tolerance) {
    if (tolerance == 0) {
      for (Map.Entry<String, Tensor> e : expected.tensors().entrySet()) {
        assertArrayEquals(e.getValue().data(), actual.tensors().get(e.getKey()).data(), e.getKey());
      }
    } else {
      assertTrue(
          maxDifference(expected, actual) <= tolerance, "" + maxDifference(expected, actual));
    }
  }
}
