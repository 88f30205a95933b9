package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dpo.api.BadDataException;
import dpo.api.ConfigurationException;
import dpo.api.TrainingDivergedException;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LmTrainer;
import dpo.api.lm.PreferenceBatch;
import dpo.api.lm.ReferenceLogProbs;
import dpo.api.lm.StepMetrics;
import dpo.api.lm.TokenBatch;
import dpo.api.lm.TokenLoss;
import dpo.api.lm.TrainerConfig;
import dpo.api.objective.Objective;
import dpo.backend.gpu.Scalars;
import dpo.backend.gpu.Tapes;
import dpo.backend.gpu.safetensors.SafeTensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * AdamW over a {@link GptModel}'s parameters. The DPO loss comes from the {@link Objective} SPI:
 * its derivative at each pair's h, taken on the host, weights h in a surrogate whose gradient is
 * exactly the objective's, so every objective (sigmoid, IPO, hinge, third-party ones) trains
 * without an NDArray form of its loss.
 */
public final class DjlTrainer implements LmTrainer {
  private final GptModel model;
  private final NDManager state;
  private final AdamW optimizer;
  private final int microBatchTokens;
  private boolean closed;

  DjlTrainer(GptModel model, TrainerConfig config) {
    this(model, config, MICRO_BATCH_TOKENS);
  }

  /** A trainer whose forward passes hold at most {@code microBatchTokens} tokens (tests). */
  DjlTrainer(GptModel model, TrainerConfig config, int microBatchTokens) {
    this.microBatchTokens = microBatchTokens;
    this.model = model;
    this.state = model.manager().getParentManager().newSubManager();
    // With LoRA adapters only they are trained: the base has no gradient and no moments.
    this.optimizer = new AdamW(model.trainableParameters(), config, state);
  }

  @Override
  public StepMetrics dpoStep(
      PreferenceBatch batch, ReferenceLogProbs reference, Objective objective) {
    checkOpen();
    if (reference.size() != batch.size()) {
      throw new ConfigurationException(
          "reference",
          "reference log-probabilities of "
              + reference.size()
              + " pairs for a batch of "
              + batch.size());
    }
    try (NDManager m = state.newSubManager()) {
      StepMetrics before = dpoBackward(m, batch, reference, objective);
      double[] update = optimizer.update(m);
      return new StepMetrics(
          before.loss(),
          before.rewardsChosen(),
          before.rewardsRejected(),
          before.rewardsAccuracy(),
          before.logpsChosen(),
          before.logpsRejected(),
          update[0],
          update[1]);
    }
  }

  /**
   * The DPO loss of a batch, leaving its gradient in the model's parameters (no update); for
   * checking the gradient against finite differences.
   */
  double dpoLossAndGradients(PreferenceBatch batch, LanguageModel reference, Objective objective) {
    try (NDManager m = state.newSubManager()) {
      return dpoBackward(m, batch, referenceLogProbs(batch, reference), objective).loss();
    }
  }

  @Override
  public ReferenceLogProbs referenceLogProbs(PreferenceBatch batch, LanguageModel reference) {
    checkOpen();
    int n = batch.size();
    int pairsPerPass = pairsPerPass(batch);
    double[] chosen = new double[n];
    double[] rejected = new double[n];
    for (int from = 0; from < n; from += pairsPerPass) {
      int to = Math.min(n, from + pairsPerPass);
      double[] r = reference.sequenceLogProbs(prompts(batch, from, to), responses(batch, from, to));
      for (int i = 0; i < to - from; i++) {
        chosen[from + i] = r[i];
        rejected[from + i] = r[to - from + i];
      }
    }
    return new ReferenceLogProbs(chosen, rejected);
  }

  /** Pairs per forward pass: chosen and rejected of each, at most {@code microBatchTokens}. */
  private int pairsPerPass(PreferenceBatch batch) {
    int longest = 1;
    for (int i = 0; i < batch.size(); i++) {
      longest =
          Math.max(
              longest,
              batch.prompts().get(i).length
                  + Math.max(batch.chosen().get(i).length, batch.rejected().get(i).length));
    }
    return Math.max(1, microBatchTokens / (2 * longest));
  }

  /**
   * Most tokens one forward pass of the policy holds on the tape. The DPO loss is a mean over
   * pairs, so the pairs of a batch go through forward and backward in micro-batches of at most this
   * many tokens, accumulating the exact gradient of the whole batch while the activations kept for
   * backward stay those of one micro-batch (at the SmolLM-135M size, about 3 GB instead of 13 GB
   * for 8 pairs of 256 tokens).
   */
  static final int MICRO_BATCH_TOKENS = 1024;

  /** Forward, loss and backward; the metrics' gradient norm and learning rate are NaN. */
  private StepMetrics dpoBackward(
      NDManager m, PreferenceBatch batch, ReferenceLogProbs reference, Objective objective) {
    int n = batch.size();
    int pairsPerPass = pairsPerPass(batch);
    double[] refLogps = new double[2 * n];
    double[] policyLogps = new double[2 * n];
    // The reference's log-probabilities are constants of the loss.
    System.arraycopy(reference.chosen(), 0, refLogps, 0, n);
    System.arraycopy(reference.rejected(), 0, refLogps, n, n);
    double loss = 0;
    try (GradientCollector tape = Tapes.open()) {
      for (int from = 0; from < n; from += pairsPerPass) {
        int to = Math.min(n, from + pairsPerPass);
        int k = to - from;
        try (NDManager pass = m.newSubManager()) {
          // Chosen then rejected of these pairs in one pass.
          NDArray logps =
              model.sequenceLogProbs(pass, prompts(batch, from, to), responses(batch, from, to));
          double[] p = logps.toType(DataType.FLOAT64, false).toDoubleArray();
          float[] surrogate = new float[2 * k];
          double passLoss = 0;
          for (int j = 0; j < k; j++) {
            int i = from + j;
            policyLogps[i] = p[j];
            policyLogps[n + i] = p[k + j];
            double h = (p[j] - refLogps[i]) - (p[k + j] - refLogps[n + i]);
            passLoss += objective.loss(h, batch.labels()[i]) / n;
            // d loss / d logp(chosen) = l'(h) / n, d loss / d logp(rejected) = -l'(h) / n
            double slope = objective.derivative(h, batch.labels()[i]) / n;
            surrogate[j] = (float) slope;
            surrogate[k + j] = (float) -slope;
          }
          loss += passLoss;
          if (!Double.isFinite(loss)) {
            throw new TrainingDivergedException(
                "DPO loss is " + loss + " at step " + optimizer.steps());
          }
          tape.backward(logps.mul(pass.create(surrogate)).sum());
        }
      }
    }
    double beta = objective.beta();
    double chosen = 0;
    double rejected = 0;
    double accuracy = 0;
    double logpsChosen = 0;
    double logpsRejected = 0;
    for (int i = 0; i < n; i++) {
      double rc = beta * (policyLogps[i] - refLogps[i]);
      double rr = beta * (policyLogps[n + i] - refLogps[n + i]);
      chosen += rc / n;
      rejected += rr / n;
      accuracy += rc > rr ? 1.0 / n : 0;
      logpsChosen += policyLogps[i] / n;
      logpsRejected += policyLogps[n + i] / n;
    }
    return new StepMetrics(
        loss, chosen, rejected, accuracy, logpsChosen, logpsRejected, Double.NaN, Double.NaN);
  }

  private static List<int[]> prompts(PreferenceBatch batch, int from, int to) {
    List<int[]> prompts = new ArrayList<>(batch.prompts().subList(from, to));
    prompts.addAll(batch.prompts().subList(from, to));
    return prompts;
  }

  private static List<int[]> responses(PreferenceBatch batch, int from, int to) {
    List<int[]> responses = new ArrayList<>(batch.chosen().subList(from, to));
    responses.addAll(batch.rejected().subList(from, to));
    return responses;
  }

  @Override
  public double supervisedStep(List<int[]> prompts, List<int[]> responses) {
    checkOpen();
    int tokens = responses.stream().mapToInt(r -> r.length).sum();
    if (tokens == 0) {
      throw new ConfigurationException("responses", "a supervised step needs response tokens");
    }
    try (NDManager m = state.newSubManager()) {
      double loss;
      try (GradientCollector tape = Tapes.open()) {
        NDArray total = model.sequenceLogProbs(m, prompts, responses).sum().neg();
        NDArray nll = total.div(Scalars.like(total, tokens));
        loss = nll.getFloat();
        if (!Double.isFinite(loss)) {
          throw new TrainingDivergedException(
              "supervised loss is " + loss + " at step " + optimizer.steps());
        }
        tape.backward(nll);
      }
      optimizer.update(m);
      return loss;
    }
  }

  @Override
  public TokenLoss languageModelStep(TokenBatch batch) {
    checkOpen();
    try (NDManager m = state.newSubManager()) {
      double loss = tokenLoss(m, batch, true);
      double[] update = optimizer.update(m);
      return new TokenLoss(loss, batch.targetCount(), update[0], update[1]);
    }
  }

  @Override
  public TokenLoss tokenLoss(TokenBatch batch) {
    checkOpen();
    try (NDManager m = state.newSubManager()) {
      return new TokenLoss(tokenLoss(m, batch, false), batch.targetCount(), Double.NaN, Double.NaN);
    }
  }

  /**
   * The mean negative log-likelihood of the batch's target tokens; with {@code train}, its gradient
   * is accumulated into the parameters, blocks going through forward and backward in parts of at
   * most {@link #microBatchTokens} tokens (each part's sum divided by the whole batch's target
   * count, so the gradients add up to the whole mean's).
   */
  private double tokenLoss(NDManager m, TokenBatch batch, boolean train) {
    long count = batch.targetCount();
    if (count == 0) {
      throw new ConfigurationException(
          "targets", "the batch has no target token; every token is masked");
    }
    int blocksPerPass = Math.max(1, microBatchTokens / Math.max(1, batch.length()));
    double total = 0;
    for (int from = 0; from < batch.size(); from += blocksPerPass) {
      int to = Math.min(batch.size(), from + blocksPerPass);
      try (NDManager pass = m.newSubManager()) {
        if (train) {
          try (GradientCollector tape = Tapes.open()) {
            NDArray nll = model.targetLogProbSum(pass, batch, from, to).neg();
            total += nll.toType(DataType.FLOAT64, false).getDouble();
            tape.backward(nll.div(Scalars.like(nll, count)));
          }
        } else {
          total +=
              -model
                  .targetLogProbSum(pass, batch, from, to)
                  .toType(DataType.FLOAT64, false)
                  .getDouble();
        }
      }
    }
    double loss = total / count;
    if (!Double.isFinite(loss)) {
      throw new TrainingDivergedException(
          "next-token loss is "
              + loss
              + " at step "
              + optimizer.steps()
              + "; lower the learning rate");
    }
    return loss;
  }

  @Override
  public void saveState(Path file) {
    checkOpen();
    SafeTensors.write(
        file,
        optimizer.state(),
        Map.of("format", "pt", "written_by", "dpo djl backend", STEPS, Long.toString(steps())));
  }

  @Override
  public void loadState(Path file) {
    checkOpen();
    String steps = SafeTensors.metadata(file).get(STEPS);
    long n;
    try {
      n = Long.parseLong(steps == null ? "" : steps);
    } catch (NumberFormatException e) {
      throw new BadDataException(
          file, 0, STEPS, "no step count in the header's __metadata__; not an optimizer state");
    }
    optimizer.restore(file, SafeTensors.read(file), n);
  }

  /** The metadata key of the step count in an optimizer state file. */
  private static final String STEPS = "steps";

  /** How many moment tensors the optimizer holds (two per trained parameter). */
  int optimizerStateSize() {
    return optimizer.state().size();
  }

  @Override
  public long steps() {
    return optimizer.steps();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the trainer is closed");
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
