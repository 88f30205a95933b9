package dpo.api.lm;

import dpo.api.objective.Objective;
import java.nio.file.Path;
import java.util.List;

/**
 * Updates one model's parameters with AdamW; keeps the optimizer state between steps. Not
 * thread-safe. Closing frees the optimizer state, not the model.
 */
public interface LmTrainer extends AutoCloseable {

  /**
   * One preference step: the objective's loss of h = (log pi(chosen) - log pi_ref(chosen)) - (log
   * pi(rejected) - log pi_ref(rejected)) averaged over the batch, then one optimizer update. Runs
   * the reference on the batch first; {@link #dpoStep(PreferenceBatch, ReferenceLogProbs,
   * Objective)} takes its log-probabilities computed once instead.
   *
   * @param batch the pairs
   * @param reference the frozen reference model
   * @param objective the per-pair loss
   * @return the step's metrics
   */
  default StepMetrics dpoStep(PreferenceBatch batch, LanguageModel reference, Objective objective) {
    return dpoStep(batch, referenceLogProbs(batch, reference), objective);
  }

  /**
   * One preference step with the reference's log-probabilities given, as {@link
   * #dpoStep(PreferenceBatch, LanguageModel, Objective)} computes them. However many pairs the
   * batch holds, the step is one optimizer update on the mean loss over all of them (a backend may
   * run them through forward and backward in smaller passes and accumulate the exact gradient), so
   * gradient accumulation over k batches is one step on their concatenation.
   *
   * @param batch the pairs
   * @param reference log pi_ref of the batch's responses, one per pair
   * @param objective the per-pair loss
   * @return the step's metrics
   */
  StepMetrics dpoStep(PreferenceBatch batch, ReferenceLogProbs reference, Objective objective);

  /**
   * The reference model's log-probabilities of a batch's responses, computed off the gradient tape
   * in passes whose memory the backend bounds. The reference is frozen, so pairs that several steps
   * or epochs reuse need this once.
   *
   * @param batch the pairs
   * @param reference the frozen reference model
   * @return log pi_ref of each pair's chosen and rejected response
   */
  ReferenceLogProbs referenceLogProbs(PreferenceBatch batch, LanguageModel reference);

  /**
   * One supervised step: mean negative log-likelihood per response token, then one update.
   *
   * @param prompts prompts (not trained on)
   * @param responses demonstrations
   * @return the mean token loss before the update
   */
  double supervisedStep(List<int[]> prompts, List<int[]> responses);

  /**
   * One next-token step on blocks with a loss mask: the mean negative log-likelihood over the
   * batch's target tokens (see {@link TokenBatch}), then one optimizer update. Long batches go
   * through the model in parts; the gradient is that of the whole batch's mean.
   *
   * @param batch the blocks and their targets (at least one target)
   * @return the loss before the update, its token count, gradient norm and learning rate
   */
  TokenLoss languageModelStep(TokenBatch batch);

  /**
   * The next-token loss of blocks without an update (held-out evaluation): no gradient is kept.
   *
   * @param batch the blocks and their targets (at least one target)
   * @return the loss and token count; gradient norm and learning rate are NaN
   */
  TokenLoss tokenLoss(TokenBatch batch);

  /**
   * Writes the optimizer's state (step count and moments) to a file, so that a run killed after
   * this point resumes exactly: load the model's parameters saved at the same point, create a
   * trainer with the same config, and {@link #loadState} this file.
   *
   * @param file the target, written durably
   */
  void saveState(Path file);

  /**
   * Restores the state {@link #saveState} wrote for a model of the same shape.
   *
   * @param file the state file
   * @throws dpo.api.BadDataException if the file is malformed or does not fit the model
   */
  void loadState(Path file);

  /**
   * Optimizer updates done so far.
   *
   * @return the step count
   */
  long steps();

  @Override
  void close();
}
