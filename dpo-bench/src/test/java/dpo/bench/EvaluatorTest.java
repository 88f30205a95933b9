package dpo.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LanguageModels;
import dpo.api.lm.ModelConfig;
import dpo.api.oracle.OracleConfig;
import dpo.api.oracle.RewardOracle;
import dpo.core.align.Evaluation;
import dpo.core.align.Evaluator;
import dpo.core.align.Prompt;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The evaluation shared by {@code dpo align} and {@code dpo eval}, on tiny djl models. */
class EvaluatorTest {
  private static final int NEW_TOKENS = OnlineDpoLoopTest.NEW_TOKENS;

  private static PolicyBackend backend;
  private static RewardOracle synthetic;
  private static LanguageModel initial;

  @BeforeAll
  static void setUp() {
    backend = OnlineDpoLoopTest.RUNTIME.backends().get("djl").create(new BackendConfig(1));
    synthetic =
        OnlineDpoLoopTest.RUNTIME.oracles().get("synthetic").create(OracleConfig.of(Map.of()));
    initial = lm().newLanguageModel(shape(), 11);
  }

  @AfterAll
  static void tearDown() {
    initial.close();
    synthetic.close();
    backend.close();
  }

  private static ModelConfig shape() {
    return new ModelConfig(
        OnlineDpoLoopTest.TOKENIZER.vocabularySize(),
        32,
        2,
        2,
        1 + OnlineDpoLoopTest.TASK.maxPromptWords() + NEW_TOKENS);
  }

  private static LanguageModels lm() {
    return backend.languageModels().orElseThrow();
  }

  /** An oracle that counts the responses it scored and checks what it receives. */
  private static final class Counting implements RewardOracle {
    final List<String> seen = new ArrayList<>();

    @Override
    public double[] score(List<String> prompts, List<String> responses) {
      seen.addAll(responses);
      return synthetic.score(prompts, responses);
    }

    @Override
    public void close() {}
  }

  @Test
  void aModelAgainstItselfTiesHasNoKlAndScoresAsItsBaseline() {
    Counting oracle = new Counting();
    Evaluator evaluator =
        new Evaluator(
            lm(),
            OnlineDpoLoopTest.TOKENIZER,
            oracle,
            new Evaluator.Settings(NEW_TOKENS, 1.0, 3, 1.0, 4));
    LanguageModel model = initial;
    Evaluator.Baseline baseline = evaluator.baseline(model, OnlineDpoLoopTest.TEST);
    int prompts = OnlineDpoLoopTest.TEST.size();
    assertEquals(3 * prompts + prompts, oracle.seen.size(), "3 samples and 1 greedy per prompt");
    for (String r : oracle.seen) {
      assertTrue(!r.contains("<unk>") && !r.contains("<pad>"), "never generated: " + r);
    }
    Evaluation e = evaluator.evaluate(0, model, model, baseline);
    assertEquals(0.5, e.winRate(), 0, "the same draws tie everywhere");
    assertEquals(0.0, e.kl(), 0);
    assertEquals(baseline.reward(), e.reward(), 0);
    assertEquals(baseline.greedyReward(), e.rewardGreedy(), 0);

    // The greedy reward is the reward at temperature 0, whatever the sample count.
    Evaluator greedy =
        new Evaluator(
            lm(),
            OnlineDpoLoopTest.TOKENIZER,
            oracle,
            new Evaluator.Settings(NEW_TOKENS, 0, 5, 1.0, 4));
    Evaluation g = greedy.evaluate(0, model, model, greedy.baseline(model, OnlineDpoLoopTest.TEST));
    assertEquals(e.rewardGreedy(), g.reward(), 1e-12);
    assertEquals(g.reward(), g.rewardGreedy(), 0);
  }

  @Test
  void theModelsReadEachPromptsModelTextAndTheOracleItsText() {
    Map<String, String> modelTexts = new java.util.HashMap<>();
    List<Prompt> test = OnlineDpoLoopTest.relabelled(OnlineDpoLoopTest.TEST, "test", modelTexts);
    Evaluator.Settings settings = new Evaluator.Settings(NEW_TOKENS, 1.0, 2, 1.0, 4);
    Evaluator.Baseline plain =
        new Evaluator(lm(), OnlineDpoLoopTest.TOKENIZER, synthetic, settings)
            .baseline(initial, OnlineDpoLoopTest.TEST);
    Evaluator.Baseline two =
        new Evaluator(
                lm(),
                OnlineDpoLoopTest.TOKENIZER,
                new OnlineDpoLoopTest.Relabelling(modelTexts, synthetic),
                settings)
            .baseline(initial, test);
    for (int i = 0; i < test.size(); i++) {
      assertArrayEquals(plain.ids().get(i), two.ids().get(i), "the models read the model text");
    }
    assertEquals(Prompt.texts(test), two.prompts(), "the oracle's texts are kept for scoring");
    assertArrayEquals(plain.rewards(), two.rewards());
    assertArrayEquals(plain.greedyRewards(), two.greedyRewards());
  }

  @Test
  void theKlAgreesWithTheMeanLogRatioOfManySamplesAndIsNeverNegative() {
    LanguageModel p = initial;
    try (LanguageModel q = lm().newLanguageModel(shape(), 12)) {
      List<Prompt> prompts = OnlineDpoLoopTest.TEST.subList(0, 4);
      int samples = 400;
      Evaluator evaluator =
          new Evaluator(
              lm(),
              OnlineDpoLoopTest.TOKENIZER,
              synthetic,
              new Evaluator.Settings(NEW_TOKENS, 1.0, samples, 1.0, 9));
      Evaluation e = evaluator.evaluate(1, p, q, evaluator.baseline(q, prompts));
      assertTrue(e.kl() > 0, e.toString());
      // Independent: the textbook Monte Carlo estimate, mean log p(y) - log q(y) over y ~ p.
      List<int[]> ids = new ArrayList<>();
      for (int s = 0; s < samples; s++) {
        for (Prompt prompt : prompts) {
          ids.add(OnlineDpoLoopTest.TOKENIZER.encodePrompt(prompt.text()));
        }
      }
      List<int[]> y =
          lm().generate(
                  List.of(p),
                  new double[] {1},
                  ids,
                  GenerationConfig.sampling(
                          NEW_TOKENS, 1.0, OnlineDpoLoopTest.TOKENIZER.endOfSequence(), 77)
                      .suppressing(OnlineDpoLoopTest.TOKENIZER.neverGenerated()));
      double[] lp = p.sequenceLogProbs(ids, y);
      double[] lq = q.sequenceLogProbs(ids, y);
      double sum = 0;
      double sumSquares = 0;
      for (int i = 0; i < y.size(); i++) {
        double d = lp[i] - lq[i];
        sum += d;
        sumSquares += d * d;
      }
      double mean = sum / y.size();
      double standardError = Math.sqrt((sumSquares / y.size() - mean * mean) / y.size());
      assertEquals(mean, e.kl(), 4 * standardError + 0.02 * mean, "log-ratio mean " + mean);
    }
  }

  @Test
  void badSettingsNameTheirOptions() {
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> new Evaluator.Settings(0, -1, 0, 0, 1));
    List<String> fields =
        e.violations().stream().map(ConfigurationException.Violation::field).toList();
    assertEquals(
        List.of("maxNewTokens", "evalTemperature", "evalSamples", "klTemperature"), fields);
  }
}
