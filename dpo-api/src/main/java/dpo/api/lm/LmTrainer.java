package dpo.api.lm;

import dpo.api.objective.Objective;
import java.util.List;

/**
 * Updates one model's parameters with AdamW; keeps the optimizer state between steps. Not
 * thread-safe. Closing frees the optimizer state, not the model.
 */
public interface LmTrainer extends AutoCloseable {

  /**
   * One preference step: the objective's loss of h = (log pi(chosen) - log pi_ref(chosen)) - (log
   * pi(rejected) - log pi_ref(rejected)) averaged over the batch, then one optimizer update.
   *
   * @param batch the pairs
   * @param reference the frozen reference model
   * @param objective the per-pair loss
   * @return the step's metrics
   */
  StepMetrics dpoStep(PreferenceBatch batch, LanguageModel reference, Objective objective);

  /**
   * One supervised step: mean negative log-likelihood per response token, then one update.
   *
   * @param prompts prompts (not trained on)
   * @param responses demonstrations
   * @return the mean token loss before the update
   */
  double supervisedStep(List<int[]> prompts, List<int[]> responses);

  /**
   * Optimizer updates done so far.
   *
   * @return the step count
   */
  long steps();

  @Override
  void close();
}
