package dpo.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dpo.api.Provider;
import dpo.api.oracle.RewardOracle;
import dpo.api.oracle.RewardOracleProvider;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The contract of a {@link RewardOracle}. Extend it in your own test sources and return a fresh
 * oracle:
 *
 * <pre>{@code
 * class MyOracleTest extends OracleContract {
 *   @Override
 *   protected RewardOracle oracle() {
 *     return new MyOracle();
 *   }
 * }
 * }</pre>
 *
 * <p>It checks that {@code score} gives one finite score per (prompt, response) pair, empty and
 * blank responses included, the same score for the same pair whatever else is in the batch and in
 * whatever order (so batching and caching cannot change a result), the same scores when asked
 * twice, an empty result for an empty batch, {@link IllegalArgumentException} for lists of
 * different lengths, that its inputs are not modified, and that {@code close()} is idempotent.
 * Override {@link #prompts()} and {@link #responses()} with inputs your oracle understands (the
 * defaults are short English texts with a little non-ASCII). Override {@link #provider()} as well
 * to have the provider's id and description checked; without it that check is skipped (reported as
 * aborted, not passed).
 */
public abstract class OracleContract {

  /**
   * A fresh oracle; the contract closes it.
   *
   * @return the oracle under test
   */
  protected abstract RewardOracle oracle();

  /** Creates the contract. */
  protected OracleContract() {}

  /**
   * The provider of the oracle under test, for the check of its id and description. The default,
   * null, skips that check.
   *
   * @return the provider, or null
   */
  protected RewardOracleProvider provider() {
    return null;
  }

  /** Checks the provider's id is kebab-case and its description one non-blank line. */
  @Test
  public void providerDescribesItself() {
    RewardOracleProvider p = provider();
    assumeTrue(p != null, "override provider() to check the oracle provider's id and description");
    assertNotNull(p.id(), "id() must not be null");
    assertTrue(
        p.id().matches(Provider.ID_PATTERN),
        "id '"
            + p.id()
            + "' must be kebab-case ("
            + Provider.ID_PATTERN
            + "), as --oracle takes it");
    assertNotNull(p.description(), "description() must not be null");
    assertFalse(p.description().isBlank(), "description() must say what the oracle scores");
    assertFalse(p.description().contains("\n"), "description() must fit on one line");
  }

  /** Checks empty and blank responses (what a model may well generate) get finite scores. */
  @Test
  public void emptyAndBlankResponsesGetFiniteScores() throws Exception {
    String prompt = prompts().get(0);
    List<String> responses = List.of("", " ", "\n", "\t \n");
    try (RewardOracle o = oracle()) {
      double[] scores = o.score(Collections.nCopies(responses.size(), prompt), responses);
      assertEquals(responses.size(), scores.length, "one score per (prompt, response) pair");
      for (int i = 0; i < scores.length; i++) {
        assertTrue(
            Double.isFinite(scores[i]),
            "score of the response \""
                + responses.get(i).replace("\n", "\\n").replace("\t", "\\t")
                + "\" is "
                + scores[i]);
      }
    }
  }

  /**
   * Relative agreement required between a pair's score alone and in a batch. 1e-9 by default; an
   * oracle that computes in float32 (a learned reward model) may sum in another order for another
   * batch shape and override it (about 1e-6).
   *
   * @return the relative tolerance
   */
  protected double batchTolerance() {
    return 1e-9;
  }

  /**
   * Prompts of the test batch, as many as {@link #responses()}; some may repeat.
   *
   * @return the prompts
   */
  protected List<String> prompts() {
    return List.of(
        "Write a haiku about the sea.",
        "Write a haiku about the sea.",
        "What is 2 + 2?",
        "What is 2 + 2?",
        "Translate 'thank you' into French.",
        "Name a prime number greater than 10.");
  }

  /**
   * Responses of the test batch, one per prompt.
   *
   * @return the responses
   */
  protected List<String> responses() {
    return List.of(
        "Waves fold into foam / the tide keeps its old promise / gulls count the hours",
        "sea sea sea",
        "4",
        "2 + 2 is 5.",
        "Merci.",
        "13 (thirteen); also 17, 19 or 23 \u2014 any of them \u00e9 fine.");
  }

  @Test
  public void scoresOneFiniteValuePerPair() throws Exception {
    try (RewardOracle o = oracle()) {
      double[] scores = o.score(prompts(), responses());
      assertNotNull(scores, "score must not return null");
      assertEquals(prompts().size(), scores.length, "one score per (prompt, response) pair");
      for (int i = 0; i < scores.length; i++) {
        assertTrue(Double.isFinite(scores[i]), "score of pair " + i + " is " + scores[i]);
      }
    }
  }

  @Test
  public void scoresAreReproducible() throws Exception {
    try (RewardOracle o = oracle()) {
      double[] first = o.score(prompts(), responses());
      assertArrayEquals(first, o.score(prompts(), responses()), "the same oracle, asked twice");
    }
    try (RewardOracle a = oracle();
        RewardOracle b = oracle()) {
      assertArrayEquals(
          a.score(prompts(), responses()), b.score(prompts(), responses()), "two fresh oracles");
    }
  }

  @Test
  public void aPairsScoreDoesNotDependOnTheRestOfTheBatch() throws Exception {
    try (RewardOracle o = oracle()) {
      List<String> p = prompts();
      List<String> r = responses();
      double[] batch = o.score(p, r);
      for (int i = 0; i < p.size(); i++) {
        double[] alone = o.score(List.of(p.get(i)), List.of(r.get(i)));
        assertEquals(
            batch[i],
            alone[0],
            batchTolerance() * Math.max(1, Math.abs(batch[i])),
            "pair " + i + " scored alone and in a batch");
      }
      List<String> reversedP = new ArrayList<>(p);
      List<String> reversedR = new ArrayList<>(r);
      Collections.reverse(reversedP);
      Collections.reverse(reversedR);
      double[] reversed = o.score(reversedP, reversedR);
      for (int i = 0; i < p.size(); i++) {
        assertEquals(
            batch[i],
            reversed[p.size() - 1 - i],
            batchTolerance() * Math.max(1, Math.abs(batch[i])),
            "pair " + i + " in a reversed batch");
      }
    }
  }

  @Test
  public void emptyBatchGivesNoScores() throws Exception {
    try (RewardOracle o = oracle()) {
      double[] scores = o.score(List.of(), List.of());
      assertNotNull(scores, "score must not return null");
      assertEquals(0, scores.length, "an empty batch has no scores");
    }
  }

  @Test
  public void listsOfDifferentLengthsAreRejected() throws Exception {
    try (RewardOracle o = oracle()) {
      assertThrows(
          IllegalArgumentException.class,
          () -> o.score(prompts(), responses().subList(0, responses().size() - 1)),
          "one more prompt than responses");
    }
  }

  @Test
  public void inputsAreNotModified() throws Exception {
    List<String> p = new ArrayList<>(prompts());
    List<String> r = new ArrayList<>(responses());
    try (RewardOracle o = oracle()) {
      o.score(p, r);
      // Unmodifiable lists must be accepted too.
      assertDoesNotThrow(() -> o.score(List.copyOf(p), List.copyOf(r)));
    }
    assertEquals(prompts(), p, "score must not modify the prompts");
    assertEquals(responses(), r, "score must not modify the responses");
  }

  @Test
  public void closeIsIdempotent() throws Exception {
    RewardOracle o = oracle();
    o.score(prompts(), responses());
    o.close();
    o.close();
  }
}
