package dpo.core.align;

/**
 * A policy measured on the test prompts against a reference (after an iteration of {@code dpo
 * align}, iteration 0 being the initial model; or by {@code dpo eval}); see {@link Evaluator}.
 *
 * @param iteration the iteration, 0 for the initial model
 * @param reward mean oracle reward of the responses drawn at the evaluation temperature ({@link
 *     Evaluator.Settings#samples()} per test prompt)
 * @param rewardGreedy mean oracle reward of one greedy response per test prompt
 * @param winRate share of (test prompt, draw) pairs where the policy's response beats the
 *     reference's response drawn the same way, by the oracle; ties count one half
 * @param kl KL(policy || reference): the mean over responses sampled from the policy of the summed
 *     exact per-token KL between the two models' next-token distributions; never negative
 */
public record Evaluation(
    int iteration, double reward, double rewardGreedy, double winRate, double kl) {}
