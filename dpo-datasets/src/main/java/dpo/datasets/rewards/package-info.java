/**
 * Reward tables for the tabular (bandit) study.
 *
 * <p>A reward table is a JSON array of X arrays of Y numbers: X prompts, Y responses per prompt,
 * e.g. {@code [[0.1, -1.2, 3], [0.5, 0.0, 2e-1]]}. {@link dpo.datasets.rewards.RewardTableReader}
 * reads one and {@link dpo.datasets.rewards.RewardTableWriter} writes one.
 */
package dpo.datasets.rewards;
