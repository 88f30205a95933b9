package dpo.core.align;

import dpo.api.data.Content;
import dpo.api.data.GenerationRecord;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LanguageModels;
import dpo.api.lm.Tokenizer;
import dpo.api.oracle.RewardOracle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code local} generation engine: draws a round's responses with the backend of this JVM and
 * scores them with one oracle. The prompts of each (component, slot) are generated as one batch,
 * each with its own seed, and all responses are scored in one oracle call. The {@code spark} engine
 * runs this same code on each partition of the prompts.
 */
public final class LocalGeneration implements GenerationEngine {
  /** The engine's id. */
  public static final String ID = "local";

  private final LanguageModels lm;
  private final Tokenizer tokenizer;
  private final RewardOracle oracle;

  /**
   * An engine over a backend, a tokenizer and an oracle, none of which it closes.
   *
   * @param lm the language models of the backend that owns the models
   * @param tokenizer decodes responses to the text the oracle scores
   * @param oracle scores the responses
   */
  public LocalGeneration(LanguageModels lm, Tokenizer tokenizer, RewardOracle oracle) {
    this.lm = lm;
    this.tokenizer = tokenizer;
    this.oracle = oracle;
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public List<Generated> generate(LanguageModel generator, LanguageModel reference, Round round) {
    List<PromptDraw> draws = round.prompts();
    int k = round.responses();
    int[][][] responses = new int[draws.size()][k][];
    for (int c = 0; c < round.weights().length; c++) {
      List<Integer> rows = new ArrayList<>();
      for (int i = 0; i < draws.size(); i++) {
        if (draws.get(i).component() == c) {
          rows.add(i);
        }
      }
      if (rows.isEmpty()) {
        continue;
      }
      List<int[]> prompts = rows.stream().map(i -> draws.get(i).ids()).toList();
      for (int slot = 0; slot < k; slot++) {
        long[] seeds = new long[rows.size()];
        for (int r = 0; r < rows.size(); r++) {
          seeds[r] = draws.get(rows.get(r)).seeds()[slot];
        }
        GenerationConfig g = round.sampling().withRowSeeds(seeds);
        List<int[]> out = generate(generator, reference, round.weights()[c][slot], prompts, g);
        for (int r = 0; r < rows.size(); r++) {
          responses[rows.get(r)][slot] = out.get(r);
        }
      }
    }
    List<String> prompts = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < draws.size(); i++) {
      for (int s = 0; s < k; s++) {
        prompts.add(draws.get(i).text());
        texts.add(tokenizer.decode(responses[i][s]));
      }
    }
    double[] rewards = oracle.score(prompts, texts);
    List<Generated> out = new ArrayList<>(draws.size());
    for (int i = 0; i < draws.size(); i++) {
      PromptDraw d = draws.get(i);
      List<Double> r =
          Arrays.stream(Arrays.copyOfRange(rewards, i * k, (i + 1) * k)).boxed().toList();
      out.add(
          new Generated(
              d.index(),
              d.component(),
              Arrays.asList(responses[i]),
              new GenerationRecord(Content.of(d.text()), texts.subList(i * k, (i + 1) * k), r)));
    }
    return out;
  }

  /** One batch from the mixture of the generator and the reference; a zero weight skips a model. */
  private List<int[]> generate(
      LanguageModel policy,
      LanguageModel reference,
      double[] w,
      List<int[]> prompts,
      GenerationConfig g) {
    List<LanguageModel> models = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    if (w[0] != 0 || w[1] == 0) {
      models.add(policy);
      weights.add(w[0]);
    }
    if (w[1] != 0) {
      models.add(reference);
      weights.add(w[1]);
    }
    return lm.generate(
        models, weights.stream().mapToDouble(Double::doubleValue).toArray(), prompts, g);
  }
}
