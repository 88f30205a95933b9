package dpo.core.reward;

import dpo.api.ConfigurationException;
import dpo.api.lm.PreferenceBatch;
import dpo.api.lm.RewardModel;
import dpo.api.lm.RewardTrainer;
import dpo.api.lm.Tokenizer;
import dpo.core.metrics.Divergence;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Trains a reward model with the Bradley-Terry loss for some epochs (pairs reshuffled each epoch
 * from the seed) and measures held-out pair accuracy after each.
 */
public final class RewardModelFit {

  /**
   * Settings of a fit.
   *
   * @param epochs passes over the training pairs
   * @param batchSize pairs per step
   * @param seed seed of the shuffles
   */
  public record Settings(int epochs, int batchSize, long seed) {
    /**
     * Validates the settings.
     *
     * @param epochs passes over the training pairs
     * @param batchSize pairs per step
     * @param seed seed of the shuffles
     */
    public Settings {
      if (epochs < 1) {
        throw new ConfigurationException("epochs", "epochs must be >= 1, got " + epochs);
      }
      if (batchSize < 1) {
        throw new ConfigurationException("batchSize", "batch size must be >= 1, got " + batchSize);
      }
    }
  }

  /**
   * What a fit measured.
   *
   * @param trainLoss mean Bradley-Terry loss of each epoch
   * @param heldOutAccuracy held-out pair accuracy after each epoch
   */
  public record Report(List<Double> trainLoss, List<Double> heldOutAccuracy) {
    /**
     * Copies the lists.
     *
     * @param trainLoss mean Bradley-Terry loss of each epoch
     * @param heldOutAccuracy held-out pair accuracy after each epoch
     */
    public Report {
      trainLoss = List.copyOf(trainLoss);
      heldOutAccuracy = List.copyOf(heldOutAccuracy);
    }
  }

  private RewardModelFit() {}

  /**
   * Fits the model.
   *
   * @param model the reward model, trained in place
   * @param trainer its trainer
   * @param tokenizer the model's tokenizer
   * @param train training pairs
   * @param heldOut held-out pairs
   * @param settings epochs, batch size, seed
   * @param progress receives one line per epoch
   * @return losses and accuracies
   */
  public static Report fit(
      RewardModel model,
      RewardTrainer trainer,
      Tokenizer tokenizer,
      List<LabelledPair> train,
      List<LabelledPair> heldOut,
      Settings settings,
      Consumer<String> progress) {
    if (train.isEmpty()) {
      throw new ConfigurationException("train", "no training pairs");
    }
    List<Double> losses = new ArrayList<>();
    List<Double> accuracies = new ArrayList<>();
    List<LabelledPair> order = new ArrayList<>(train);
    int context = model.config().contextLength();
    double firstLoss = Double.NaN;
    long step = 0;
    for (int epoch = 0; epoch < settings.epochs(); epoch++) {
      shuffle(order, new SplittableRandom(settings.seed() + epoch));
      double total = 0;
      int batches = 0;
      for (int from = 0; from < order.size(); from += settings.batchSize()) {
        List<LabelledPair> slice =
            order.subList(from, Math.min(order.size(), from + settings.batchSize()));
        double loss = trainer.step(batch(tokenizer, slice, context));
        step++;
        if (step == 1) {
          firstLoss = loss;
        }
        Divergence.check(
            "the Bradley-Terry loss", loss, firstLoss, "epoch " + (epoch + 1) + ", step " + step);
        total += loss;
        batches++;
      }
      losses.add(total / batches);
      accuracies.add(accuracy(model, tokenizer, heldOut, settings.batchSize()));
      progress.accept(
          String.format(
              java.util.Locale.ROOT,
              "epoch %d/%d: train loss %.4f, held-out accuracy %.3f",
              epoch + 1,
              settings.epochs(),
              losses.get(epoch),
              accuracies.get(epoch)));
    }
    return new Report(losses, accuracies);
  }

  /**
   * The fraction of pairs whose reward gap has the sign of the label (labels of 0.5 skipped).
   *
   * @param model the reward model
   * @param tokenizer its tokenizer
   * @param pairs the pairs
   * @param batchSize pairs per forward pass
   * @return the accuracy, NaN without decided pairs
   */
  public static double accuracy(
      RewardModel model, Tokenizer tokenizer, List<LabelledPair> pairs, int batchSize) {
    int right = 0;
    int decided = 0;
    int context = model.config().contextLength();
    for (int from = 0; from < pairs.size(); from += batchSize) {
      List<LabelledPair> slice = pairs.subList(from, Math.min(pairs.size(), from + batchSize));
      PreferenceBatch b = batch(tokenizer, slice, context);
      double[] chosen = model.score(b.prompts(), b.chosen());
      double[] rejected = model.score(b.prompts(), b.rejected());
      for (int i = 0; i < slice.size(); i++) {
        double label = slice.get(i).label();
        if (label != 0.5) {
          decided++;
          right += (chosen[i] > rejected[i]) == (label > 0.5) ? 1 : 0;
        }
      }
    }
    return decided == 0 ? Double.NaN : (double) right / decided;
  }

  static PreferenceBatch batch(Tokenizer tokenizer, List<LabelledPair> pairs, int context) {
    List<int[]> prompts = new ArrayList<>();
    List<int[]> chosen = new ArrayList<>();
    List<int[]> rejected = new ArrayList<>();
    double[] labels = new double[pairs.size()];
    for (int i = 0; i < pairs.size(); i++) {
      LabelledPair p = pairs.get(i);
      int[][] c = tokenizer.encodePair(p.prompt(), p.chosen(), context);
      int[][] r = tokenizer.encodePair(p.prompt(), p.rejected(), context);
      prompts.add(c[0]); // the prompt's ids do not depend on the response
      chosen.add(c[1]);
      rejected.add(r[1]);
      labels[i] = p.label();
    }
    return new PreferenceBatch(prompts, chosen, rejected, labels);
  }

  static <T> void shuffle(List<T> list, SplittableRandom random) {
    for (int i = list.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      T t = list.get(i);
      list.set(i, list.get(j));
      list.set(j, t);
    }
  }
}
