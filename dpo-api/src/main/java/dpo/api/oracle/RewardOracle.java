package dpo.api.oracle;

import dpo.api.OracleException;
import java.util.List;

/**
 * Scores responses to prompts with a scalar reward: the ground truth of a synthetic task, a learned
 * reward model, or a user's process. Higher is better; only differences between rewards of
 * responses to the same prompt matter to the labels (see {@link LabelRule}).
 *
 * <p>Call order: create (from a {@link RewardOracleProvider}), {@link #score(List, List)} any
 * number of times, {@link #close()}. An oracle may hold a process, native memory or a device, so
 * use it with try-with-resources. Oracles are not thread-safe unless they say so.
 *
 * <pre>{@code
 * try (RewardOracle oracle = provider.create(OracleConfig.of(Map.of("task", "safe-helpful")))) {
 *   double[] rewards = oracle.score(List.of(prompt, prompt), List.of(first, second));
 * }
 * }</pre>
 */
public interface RewardOracle extends AutoCloseable {

  /**
   * Scores a batch of (prompt, response) pairs; pair {@code i} is {@code (prompts.get(i),
   * responses.get(i))}, so a prompt with K responses appears K times.
   *
   * @param prompts the prompts, one per pair
   * @param responses the responses, one per pair, as long as {@code prompts}
   * @return one finite reward per pair, in order; empty for empty lists
   * @throws IllegalArgumentException if the lists differ in length
   * @throws OracleException if the oracle fails; an oracle that failed may refuse later calls
   */
  double[] score(List<String> prompts, List<String> responses);

  /**
   * Scores one pair; a shorthand for a batch of one.
   *
   * @param prompt the prompt
   * @param response the response
   * @return its finite reward
   * @throws OracleException if the oracle fails
   */
  default double score(String prompt, String response) {
    return score(List.of(prompt), List.of(response))[0];
  }

  /** Releases the oracle's process, memory or device; scoring afterwards is an error. */
  @Override
  void close();
}
