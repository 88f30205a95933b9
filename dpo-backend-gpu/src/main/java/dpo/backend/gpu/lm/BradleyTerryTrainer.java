package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import dpo.api.TrainingDivergedException;
import dpo.api.lm.PreferenceBatch;
import dpo.api.lm.RewardTrainer;
import dpo.api.lm.TrainerConfig;
import dpo.backend.gpu.Tapes;

/** AdamW on a {@link GptRewardModel} with the soft-label Bradley-Terry loss. */
final class BradleyTerryTrainer implements RewardTrainer {
  private final GptRewardModel model;
  private final NDManager state;
  private final AdamW optimizer;
  private boolean closed;

  BradleyTerryTrainer(GptRewardModel model, TrainerConfig config) {
    this.model = model;
    this.state = model.manager().getParentManager().newSubManager();
    this.optimizer = new AdamW(model.parameters(), config, state);
  }

  @Override
  public double step(PreferenceBatch batch) {
    if (closed) {
      throw new IllegalStateException("the trainer is closed");
    }
    try (NDManager m = state.newSubManager()) {
      double loss;
      try (GradientCollector tape = Tapes.open()) {
        NDArray chosen = model.score(m, batch.prompts(), batch.chosen());
        NDArray rejected = model.score(m, batch.prompts(), batch.rejected());
        NDArray gap = chosen.sub(rejected);
        float[] labels = new float[batch.size()];
        for (int i = 0; i < labels.length; i++) {
          labels[i] = (float) batch.labels()[i];
        }
        NDArray p = m.create(labels);
        // -p log sigma(gap) - (1 - p) log sigma(-gap) = p softplus(-gap) + (1 - p) softplus(gap)
        NDArray perPair =
            Activation.softPlus(gap.neg()).mul(p).add(Activation.softPlus(gap).mul(p.neg().add(1)));
        NDArray mean = perPair.mean();
        loss = mean.getFloat();
        if (!Double.isFinite(loss)) {
          throw new TrainingDivergedException(
              "Bradley-Terry loss is " + loss + " at step " + optimizer.steps());
        }
        tape.backward(mean);
      }
      optimizer.update(m);
      return loss;
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      state.close();
    }
  }
}
