package dpo.datasets.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SafeHelpfulTaskTest {
  private static final long SEED = 20240929L;
  private final SyntheticTask task = SyntheticTasks.get("safe-helpful");

  @Test
  void everyPromptIndexGivesADistinctPromptOfTheVocabulary() {
    List<String> all = task.prompts(task.promptCount(), SEED);
    assertEquals(task.promptCount(), new HashSet<>(all).size(), "prompts repeat");
    Set<String> vocabulary = Set.copyOf(task.vocabulary());
    int harmful = 0;
    for (String prompt : all) {
      String[] words = prompt.split(" ");
      assertTrue(words.length <= task.maxPromptWords(), prompt);
      for (String word : words) {
        assertTrue(vocabulary.contains(word), word + " in " + prompt);
      }
      harmful += prompt.contains(" to ") ? 1 : 0;
    }
    assertEquals(5120, harmful, "a quarter of the prompts ask for harm");
  }

  @Test
  void vocabularyFitsATinyModel() {
    List<String> vocabulary = task.vocabulary();
    assertEquals(vocabulary.size(), new HashSet<>(vocabulary).size());
    assertTrue(vocabulary.size() <= 60, "room for special tokens within 64: " + vocabulary.size());
    for (String word : vocabulary) {
      assertFalse(word.isBlank() || word.chars().anyMatch(Character::isWhitespace), word);
    }
  }

  @Test
  void promptsDependOnSeedAndIndexOnly() {
    assertEquals(task.prompts(50, SEED), task.prompts(50, SEED));
    assertEquals(task.prompts(30, 20, SEED), task.prompts(50, SEED).subList(30, 50));
    assertEquals(task.prompt(1234, SEED), task.prompts(1234, 1, SEED).get(0));
    assertNotEquals(task.prompts(50, SEED), task.prompts(50, SEED + 1));
  }

  @Test
  void trainAndTestRangesShareNoPrompt() {
    Set<String> train = new HashSet<>(task.prompts(0, 10_000, SEED));
    for (String prompt : task.prompts(10_000, 2_000, SEED)) {
      assertFalse(train.contains(prompt), prompt);
    }
  }

  @Test
  void outOfRangeIndicesNameTheLimit() {
    IndexOutOfBoundsException e =
        assertThrows(IndexOutOfBoundsException.class, () -> task.prompts(19_000, 1_000, SEED));
    assertTrue(e.getMessage().contains("19584 distinct prompts"), e.getMessage());
    assertThrows(IndexOutOfBoundsException.class, () -> task.prompt(-1, SEED));
  }

  @Test
  void sftDataIsDeterministicAndStableAcrossRanges() {
    List<Demonstration> a = task.sftData(0, 40, 3, 0.5, SEED);
    assertEquals(120, a.size());
    assertEquals(a, task.sftData(0, 40, 3, 0.5, SEED));
    assertEquals(a.subList(30, 120), task.sftData(10, 30, 3, 0.5, SEED));
    assertNotEquals(a, task.sftData(0, 40, 3, 0.5, SEED + 1));
  }

  @Test
  void goodShareControlsTheMix() {
    List<Demonstration> none = task.sftData(0, 200, 2, 0, SEED);
    List<Demonstration> all = task.sftData(0, 200, 2, 1, SEED);
    assertTrue(none.stream().noneMatch(Demonstration::good));
    assertTrue(all.stream().allMatch(Demonstration::good));
    long good = task.sftData(0, 2_000, 2, 0.3, SEED).stream().filter(Demonstration::good).count();
    assertEquals(0.3, good / 4_000.0, 0.04);
    Set<String> poorKinds = new HashSet<>();
    none.forEach(d -> poorKinds.add(d.kind()));
    assertEquals(Set.of("off-topic", "repetitive", "unsafe", "refusal"), poorKinds);
  }

  @Test
  void demonstrationsStayWithinTheVocabularyAndLength() {
    Set<String> vocabulary = Set.copyOf(task.vocabulary());
    for (Demonstration d : task.sftData(0, 500, 4, 0.5, SEED)) {
      String[] words = d.response().split(" ");
      assertTrue(words.length <= task.maxResponseWords(), d.toString());
      for (String word : words) {
        assertTrue(vocabulary.contains(word), word + " in " + d);
      }
    }
  }

  @Test
  void goodDemonstrationsScoreClearlyHigherThanEveryPoorKind() {
    Map<String, double[]> byKind = new HashMap<>();
    for (Demonstration d : task.sftData(0, 500, 4, 0.5, SEED)) {
      double[] sum = byKind.computeIfAbsent(d.kind(), k -> new double[2]);
      sum[0] += task.reward(d.prompt(), d.response());
      sum[1]++;
    }
    double good = byKind.get("good")[0] / byKind.get("good")[1];
    assertTrue(good > 0.9, "good mean " + good);
    for (String kind : List.of("off-topic", "repetitive", "unsafe", "refusal")) {
      double poor = byKind.get(kind)[0] / byKind.get(kind)[1];
      assertTrue(good - poor > 0.3, kind + " mean " + poor + " vs good " + good);
    }
  }

  @Test
  void goodBeatsEveryPoorResponseToTheSamePrompt() {
    SplittableRandom random = new SplittableRandom(SEED);
    for (String prompt : task.prompts(150, SEED)) {
      double worstGood = Double.POSITIVE_INFINITY;
      double bestPoor = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < 20; k++) {
        Demonstration d = task.demonstration(prompt, 0.5, random);
        double r = task.reward(prompt, d.response());
        if (d.good()) {
          worstGood = Math.min(worstGood, r);
        } else {
          bestPoor = Math.max(bestPoor, r);
        }
      }
      assertTrue(worstGood > bestPoor, prompt + ": good " + worstGood + " vs poor " + bestPoor);
    }
  }

  @Test
  void rewardIsGradedNotBinary() {
    Set<Double> values = new HashSet<>();
    SplittableRandom random = new SplittableRandom(SEED);
    List<String> vocabulary = task.vocabulary();
    for (String prompt : task.prompts(200, SEED)) {
      for (int k = 0; k < 5; k++) {
        values.add(task.reward(prompt, task.demonstration(prompt, 0.5, random).response()));
        // Random word strings, as an untrained model would produce.
        List<String> words = new ArrayList<>();
        for (int n = random.nextInt(1, 25); n > 0; n--) {
          words.add(vocabulary.get(random.nextInt(vocabulary.size())));
        }
        double r = task.reward(prompt, String.join(" ", words));
        assertTrue(r >= -1.5 && r <= 1.5, "reward " + r);
        values.add(r);
      }
    }
    assertTrue(values.size() > 200, "distinct rewards: " + values.size());
  }

  @Test
  void helpfulnessAndSafetyCompeteOnHarmfulPrompts() {
    String prompt = "tell me how to poison bees";
    RewardBreakdown comply =
        task.score(prompt, "you can poison the bees . bees are calm and small .");
    RewardBreakdown refuse = task.score(prompt, "sorry i cannot help with that .");
    RewardBreakdown best =
        task.score(prompt, "sorry i cannot help with that . the bees are calm and small .");
    assertTrue(comply.aspect("helpfulness") > best.aspect("helpfulness"));
    assertTrue(best.aspect("helpfulness") > refuse.aspect("helpfulness"));
    assertTrue(comply.aspect("safety") < 0 && refuse.aspect("safety") > 0);
    assertTrue(best.reward() > refuse.reward() && refuse.reward() > comply.reward());
    assertEquals(
        best.reward(), best.aspect("helpfulness") + best.aspect("safety"), 1e-12, "r = h + s");
  }

  @Test
  void knownValuesOfTheFormula() {
    // c = 1, f = 1, g = 1, l = 1, d = 1, no repetition, no refusal, no harm.
    assertEquals(1.0, task.reward("explain bees", "the bees are calm and small ."), 1e-12);
    // Refusal of a benign prompt: (0.1 f + 0.2 g + 0.15 l) - 0.35 = 0.1, safety 0.
    assertEquals(0.1, task.reward("explain bees", "sorry i cannot help with that ."), 1e-12);
    // Compliance: h = 1 (c covers bees and poison), s = -0.75.
    assertEquals(
        0.25,
        task.reward("how to poison bees", "you can poison some bees . bees are calm and small ."),
        1e-12);
    // Empty response: only focus (no off-topic words) earns credit.
    assertEquals(0.1, task.reward("explain bees", ""), 1e-12);
    // Case and extra spaces are ignored.
    assertEquals(
        task.reward("explain bees", "the bees are calm and small ."),
        task.reward("Explain  BEES", "  The bees are CALM and small . "));
  }

  @Test
  void demonstrationsNeedATopic() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> task.demonstration("hello there", 0.5, new SplittableRandom(1)));
    assertTrue(e.getMessage().contains("names none of the topics"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> task.demonstration("explain bees", 1.5, new SplittableRandom(1)));
  }

  @Test
  void registryListsTheTaskAndNamesUnknownOnes() {
    assertEquals(List.of("ordered-topics", "safe-helpful"), SyntheticTasks.ids());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SyntheticTasks.get("chess"));
    assertEquals(
        "unknown synthetic task 'chess'; known tasks: ordered-topics, safe-helpful",
        e.getMessage());
  }
}
