package dpo.core.align;

/**
 * The policy measured on the test prompts after an iteration (iteration 0: the initial model).
 *
 * @param iteration the iteration, 0 for the initial model
 * @param reward mean oracle reward of one response per test prompt at the evaluation temperature
 * @param winRate share of test prompts where that response beats the initial model's response
 *     (drawn the same way) by the oracle; ties count one half
 * @param kl KL(policy || initial model) estimated as the mean log-ratio of responses sampled from
 *     the policy at the KL temperature
 */
public record Evaluation(int iteration, double reward, double winRate, double kl) {}
