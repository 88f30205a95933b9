package dpo.datasets.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OrderedTopicsTaskTest {
  private static final long SEED = 20240929L;
  private static final String PROMPT =
      "describe maps then bees then rivers in 24 words without green";
  private static final String PERFECT =
      "the maps are very old and small . some bees seem calm and rather quiet . this rivers are warm but so dark .";
  private final SyntheticTask task = SyntheticTasks.get("ordered-topics");

  @Test
  void promptsAreOfTheVocabularyAndAskForTwoOrThreeTopics() {
    Set<String> vocabulary = Set.copyOf(task.vocabulary());
    for (String prompt : task.prompts(2_000, SEED)) {
      String[] words = prompt.split(" ");
      assertTrue(words.length <= task.maxPromptWords(), prompt);
      for (String word : words) {
        assertTrue(vocabulary.contains(word), word + " in " + prompt);
      }
      int thens = prompt.split(" then ", -1).length - 1;
      assertTrue(thens == 1 || thens == 2, prompt);
      assertTrue(prompt.matches("describe .* in (16|24|32|40) words without [a-z]+"), prompt);
    }
  }

  @Test
  void vocabularyHasHundredsOfDistinctWords() {
    List<String> vocabulary = task.vocabulary();
    assertEquals(221, vocabulary.size());
    assertEquals(vocabulary.size(), new HashSet<>(vocabulary).size());
    for (String word : vocabulary) {
      assertFalse(word.isBlank() || word.chars().anyMatch(Character::isWhitespace), word);
    }
  }

  @Test
  void promptsDependOnSeedAndIndexOnly() {
    assertEquals(task.prompts(50, SEED), task.prompts(50, SEED));
    assertEquals(task.prompts(30, 20, SEED), task.prompts(50, SEED).subList(30, 50));
    assertEquals(task.prompt(123_456_789, SEED), task.prompts(123_456_789, 1, SEED).get(0));
    assertNotEquals(task.prompts(50, SEED), task.prompts(50, SEED + 1));
    assertEquals(
        task.prompt(OrderedTopicsTask.PROMPT_COUNT - 1, SEED),
        task.prompt(OrderedTopicsTask.PROMPT_COUNT - 1, SEED));
  }

  @Test
  void trainAndTestRangesShareNoPrompt() {
    Set<String> train = new HashSet<>(task.prompts(0, 10_000, SEED));
    assertEquals(10_000, train.size(), "prompts repeat");
    for (String prompt : task.prompts(10_000, 2_000, SEED)) {
      assertFalse(train.contains(prompt), prompt);
    }
  }

  @Test
  void theCorpusIsTheSameForEverySeed() {
    assertEquals(task.corpusSeed(1), task.corpusSeed(7));
    assertEquals(3, SyntheticTasks.get("safe-helpful").corpusSeed(3), "safe-helpful: per seed");
    List<Demonstration> a = task.sftData(0, 40, 3, 0.5, task.corpusSeed(1));
    assertEquals(a, task.sftData(0, 40, 3, 0.5, task.corpusSeed(2)));
    assertEquals(a.subList(30, 120), task.sftData(10, 30, 3, 0.5, task.corpusSeed(1)));
  }

  @Test
  void aPerfectResponseEarnsOne() {
    // Three topics in order, 24 words, 6 distinct adjectives (2 per topic), fluent, no repeat.
    String response = PERFECT;
    assertEquals(24, response.split(" ").length);
    RewardBreakdown b = task.score(PROMPT, response);
    assertEquals(1.0, b.reward(), 1e-12);
    assertEquals(1.0, b.aspect("order"), 1e-12);
    assertEquals(1.0, b.aspect("length"), 1e-12);
  }

  @Test
  void eachComponentOnHandWrittenResponses() {
    // Wrong order: bees before maps, so only (bees, rivers) of the two pairs is in order.
    RewardBreakdown swapped =
        task.score(
            PROMPT,
            "some bees seem calm and rather quiet . the maps are very old and small . this rivers"
                + " are warm but so dark .");
    assertEquals(0.5, swapped.aspect("order"), 1e-12);
    assertEquals(1 - 0.2 * 0.5, swapped.reward(), 1e-12);
    // A topic left out: coverage 2/3, order 1/2 (rivers missing), detail 4/6, length 1 - 8/12.
    RewardBreakdown partial =
        task.score(
            PROMPT, "the maps are very old and small . some bees seem calm and rather quiet .");
    assertEquals(2 / 3.0, partial.aspect("coverage"), 1e-12);
    assertEquals(0.5, partial.aspect("order"), 1e-12);
    assertEquals(1 / 3.0, partial.aspect("length"), 1e-12);
    assertEquals(
        0.25 * 2 / 3 + 0.2 * 0.5 + 0.15 + 0.2 / 3 + 0.2 * 4 / 6.0, partial.reward(), 1e-12);
    // The forbidden word twice: it earns no detail and costs 0.25 per use, at most two.
    RewardBreakdown forbidden =
        task.score(
            PROMPT,
            "the maps are very green and small . some bees seem calm and rather green . this rivers"
                + " are warm but so dark .");
    assertEquals(2.0, forbidden.aspect("violations"));
    assertEquals(1 - 0.2 * (1 - 4 / 6.0) - 0.5, forbidden.reward(), 1e-12);
    // An unrequested noun: 1 of 4 nouns extraneous, and 28 words (length 1 - 4/12).
    RewardBreakdown extra =
        task.score(
            PROMPT,
            "the maps are very old and small . some bees seem calm and rather quiet . owls are shy ."
                + " this rivers are warm but so dark .");
    assertEquals(0.25, extra.aspect("extraneous"), 1e-12);
    assertEquals(1 - 0.2 * 4 / 12.0 - 0.3 * 0.25, extra.reward(), 1e-12);
    // Repetition scales the quality down; prompt words are not fluent.
    RewardBreakdown echo = task.score(PROMPT, "describe maps then bees then rivers");
    assertTrue(echo.aspect("fluency") < 0.5, "echoing the prompt is not fluent");
    String once = "the maps are old and small .";
    double repeated = task.score(PROMPT, once + " " + once).aspect("repetition");
    assertEquals(6 / 13.0, repeated, 1e-12);
    // Empty: nothing but the absence of extraneous nouns and violations.
    assertEquals(0.0, task.reward(PROMPT, ""), 1e-12);
  }

  @Test
  void theLengthTargetComesFromThePrompt() {
    // 24 words against a target of 40: 16 words off, beyond the 12 that still earn credit.
    assertEquals(0.0, task.score(PROMPT.replace("24", "40"), PERFECT).aspect("length"));
    assertEquals(1 / 3.0, task.score(PROMPT.replace("24", "32"), PERFECT).aspect("length"), 1e-12);
    assertEquals(0.8, task.reward(PROMPT.replace("24", "40"), PERFECT), 1e-12);
  }

  @Test
  void goodDemonstrationsBeatPoorOnesAndLeaveRoom() {
    Map<String, double[]> byKind = new HashMap<>();
    SplittableRandom random = new SplittableRandom(SEED);
    Set<String> vocabulary = Set.copyOf(task.vocabulary());
    for (String prompt : task.prompts(400, SEED)) {
      for (int k = 0; k < 4; k++) {
        Demonstration d = task.demonstration(prompt, 0.5, random);
        for (String word : d.response().split(" ")) {
          assertTrue(vocabulary.contains(word), word);
        }
        assertTrue(d.response().split(" ").length <= task.maxResponseWords(), d.response());
        double[] sum = byKind.computeIfAbsent(d.kind(), x -> new double[2]);
        sum[0] += task.reward(prompt, d.response());
        sum[1]++;
      }
    }
    assertEquals(
        Set.of("good", "wrong-order", "partial", "forbidden", "off-topic", "terse", "repetitive"),
        byKind.keySet());
    double good = byKind.get("good")[0] / byKind.get("good")[1];
    assertTrue(good > 0.85 && good < 0.97, "good but not perfect: " + good);
    for (Map.Entry<String, double[]> e : byKind.entrySet()) {
      if (!e.getKey().equals("good")) {
        double mean = e.getValue()[0] / e.getValue()[1];
        assertTrue(mean < good - 0.05, e.getKey() + " " + mean + " vs good " + good);
      }
    }
  }

  @Test
  void demonstrationsNeedAPromptOfTheTask() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> task.demonstration("explain bees", 0.5, new SplittableRandom(1)));
    assertTrue(e.getMessage().contains("is not one of task ordered-topics"), e.getMessage());
  }
}
