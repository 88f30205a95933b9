package dpo.datasets.synthetic;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A small, embedded preference task for the practical (language-model) benchmark: prompts and
 * responses are short sequences of words from a fixed vocabulary, separated by single spaces, and a
 * ground-truth reward scores any response to any prompt. Everything is a function of a seed, so a
 * run can be repeated exactly without data files.
 *
 * <p>Prompt {@code i} depends on {@code (seed, i)} only and distinct indices give distinct prompts,
 * so index ranges make disjoint splits (the paper trains on prompts 0-9,999 and tests on
 * 10,000-11,999). Demonstrations for supervised fine-tuning mix good and poor responses, so that a
 * reference policy fine-tuned on them produces both and DPO has room to improve.
 *
 * <pre>{@code
 * SyntheticTask task = SyntheticTasks.get("safe-helpful");
 * List<String> train = task.prompts(0, 10_000, seed);
 * List<String> test = task.prompts(10_000, 2_000, seed);
 * List<Demonstration> sft = task.sftData(0, 10_000, 4, 0.5, seed);
 * double r = task.reward(train.get(0), "the bees are calm and small .");
 * }</pre>
 */
public interface SyntheticTask {

  /**
   * The task's stable id, as configs and the command line name it.
   *
   * @return a kebab-case id
   */
  String id();

  /**
   * A one-line description for listings.
   *
   * @return the description
   */
  String description();

  /**
   * Every word prompts and responses use, in a fixed order; a tokenizer adds its own special tokens
   * (padding, begin, end) to these.
   *
   * @return the words, distinct, without whitespace
   */
  List<String> vocabulary();

  /**
   * The longest prompt, in words.
   *
   * @return the maximum number of words of a prompt
   */
  int maxPromptWords();

  /**
   * The longest response the reward can rate above zero length credit, in words; a generation
   * budget of this many words is enough.
   *
   * @return the maximum useful number of words of a response
   */
  int maxResponseWords();

  /**
   * The number of distinct prompts.
   *
   * @return the number of valid prompt indices
   */
  int promptCount();

  /**
   * Prompt {@code index} under {@code seed}.
   *
   * @param index in [0, {@link #promptCount()})
   * @param seed the seed
   * @return the prompt; distinct indices give distinct prompts
   * @throws IndexOutOfBoundsException if the index is out of range
   */
  String prompt(int index, long seed);

  /**
   * The first {@code count} prompts.
   *
   * @param count how many, in [0, {@link #promptCount()}]
   * @param seed the seed
   * @return prompts 0 to count - 1
   */
  default List<String> prompts(int count, long seed) {
    return prompts(0, count, seed);
  }

  /**
   * A range of prompts.
   *
   * @param from the first index
   * @param count how many
   * @param seed the seed
   * @return prompts from to from + count - 1
   * @throws IndexOutOfBoundsException if the range leaves [0, {@link #promptCount()})
   */
  default List<String> prompts(int from, int count, long seed) {
    checkRange(from, count);
    List<String> prompts = new ArrayList<>(count);
    for (int i = from; i < from + count; i++) {
      prompts.add(prompt(i, seed));
    }
    return prompts;
  }

  /**
   * The ground-truth reward of a response and its aspects. Any text is accepted; words outside the
   * vocabulary simply earn nothing.
   *
   * @param prompt the prompt
   * @param response the response
   * @return the reward and its aspects
   */
  RewardBreakdown score(String prompt, String response);

  /**
   * The ground-truth reward of a response.
   *
   * @param prompt the prompt
   * @param response the response
   * @return {@code score(prompt, response).reward()}
   */
  default double reward(String prompt, String response) {
    return score(prompt, response).reward();
  }

  /**
   * One demonstration: a good response with probability {@code goodShare}, else a poor one of a
   * kind drawn uniformly.
   *
   * @param prompt a prompt of this task
   * @param goodShare the probability of a good response, in [0, 1]
   * @param random the source of every choice
   * @return the demonstration
   * @throws IllegalArgumentException if the prompt is not one this task can answer or goodShare is
   *     outside [0, 1]
   */
  Demonstration demonstration(String prompt, double goodShare, SplittableRandom random);

  /**
   * The seed of the prompts and draws of the demonstration corpus that a run under {@code seed}
   * fine-tunes its reference on. By default the run's own seed, so each seed has its own corpus; a
   * task whose references should differ between seeds only by their initialisation and batch order
   * returns one fixed seed.
   *
   * @param seed the run's seed
   * @return the seed to pass to {@link #sftData}
   */
  default long corpusSeed(long seed) {
    return seed;
  }

  /**
   * Supervised fine-tuning data for a range of prompts: {@code perPrompt} demonstrations for each,
   * drawn from a stream that depends on (seed, prompt index) only, so any range reproduces the same
   * rows for the prompts it shares with another.
   *
   * @param from the first prompt index
   * @param count how many prompts
   * @param perPrompt demonstrations per prompt, >= 1
   * @param goodShare the probability of each demonstration being good, in [0, 1]
   * @param seed the seed of the prompts and of the draws
   * @return count * perPrompt demonstrations, prompt by prompt
   */
  default List<Demonstration> sftData(
      int from, int count, int perPrompt, double goodShare, long seed) {
    checkRange(from, count);
    if (perPrompt < 1) {
      throw new IllegalArgumentException("perPrompt must be >= 1, got " + perPrompt);
    }
    List<Demonstration> rows = new ArrayList<>(count * perPrompt);
    for (int i = from; i < from + count; i++) {
      String prompt = prompt(i, seed);
      SplittableRandom random = drawStream(seed, i);
      for (int k = 0; k < perPrompt; k++) {
        rows.add(demonstration(prompt, goodShare, random));
      }
    }
    return rows;
  }

  private void checkRange(int from, int count) {
    if (from < 0 || count < 0 || (long) from + count > promptCount()) {
      throw new IndexOutOfBoundsException(
          "prompts ["
              + from
              + ", "
              + ((long) from + count)
              + ") are outside [0, "
              + promptCount()
              + "); task "
              + id()
              + " has "
              + promptCount()
              + " distinct prompts");
    }
  }

  /** A generator for prompt {@code index}'s draws, independent of the prompt permutation's. */
  private static SplittableRandom drawStream(long seed, int index) {
    long salted = IndexPermutation.mix64(seed ^ 0x5DEECE66DL) + index * 0x9E3779B97F4A7C15L;
    return new SplittableRandom(IndexPermutation.mix64(salted));
  }
}
