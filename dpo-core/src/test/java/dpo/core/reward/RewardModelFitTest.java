package dpo.core.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dpo.api.TrainingDivergedException;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.PreferenceBatch;
import dpo.api.lm.RewardModel;
import dpo.api.lm.RewardTrainer;
import dpo.api.lm.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RewardModelFitTest {
  private static final Tokenizer CHARS =
      new Tokenizer() {
        @Override
        public int[] encode(String text) {
          return text.chars().map(c -> c % 8).toArray();
        }

        @Override
        public String decode(int[] tokens) {
          return "";
        }

        @Override
        public int vocabularySize() {
          return 8;
        }

        @Override
        public int endOfSequence() {
          return 0;
        }
      };

  private static final RewardModel MODEL =
      new RewardModel() {
        @Override
        public ModelConfig config() {
          return new ModelConfig(8, 4, 1, 1, 16);
        }

        @Override
        public double[] score(List<int[]> prompts, List<int[]> responses) {
          return new double[prompts.size()];
        }

        @Override
        public void save(Path directory) {}

        @Override
        public void close() {}
      };

  /** A trainer whose losses are given: one per step. */
  private static RewardTrainer losses(double... values) {
    return new RewardTrainer() {
      int step;

      @Override
      public double step(PreferenceBatch batch) {
        return values[step++];
      }

      @Override
      public void close() {}
    };
  }

  private static List<LabelledPair> pairs(int n) {
    List<LabelledPair> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new LabelledPair("p" + i, "good", "bad", 1));
    }
    return out;
  }

  private static RewardModelFit.Report fit(RewardTrainer trainer, int steps) {
    return RewardModelFit.fit(
        MODEL,
        trainer,
        CHARS,
        pairs(steps),
        pairs(2),
        new RewardModelFit.Settings(1, 1, 1),
        line -> {});
  }

  @Test
  void aLossThatGrowsByOrdersOfMagnitudeDivergesNotOnlyNaN() {
    TrainingDivergedException e =
        assertThrows(TrainingDivergedException.class, () -> fit(losses(0.7, 5, 80, 701, 0.1), 5));
    assertEquals(
        "the Bradley-Terry loss became 701.0 at epoch 1, step 4 (it was 0.7 at the first step)",
        e.getMessage());
    assertThrows(TrainingDivergedException.class, () -> fit(losses(0.7, Double.NaN), 2));
  }

  @Test
  void aLossThatStaysWithinTheFactorTrains() {
    RewardModelFit.Report report = fit(losses(0.7, 69, 0.5), 3);
    assertEquals((0.7 + 69 + 0.5) / 3, report.trainLoss().get(0), 1e-12);
  }
}
