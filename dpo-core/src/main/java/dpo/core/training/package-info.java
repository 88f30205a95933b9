/**
 * The one training loop of the commands that train a language model on a fixed dataset ({@code dpo
 * lm train}, {@code dpo train}): seeded batch order, AdamW schedule, held-out evaluation, {@code
 * metrics.jsonl}, checkpoints with the optimizer state, and exact resume.
 */
package dpo.core.training;
