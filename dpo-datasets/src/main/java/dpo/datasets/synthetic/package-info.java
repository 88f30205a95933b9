/**
 * Synthetic preference tasks for the practical benchmark, embedded and deterministic from a seed:
 * prompts, a graded ground-truth reward, and demonstrations for fine-tuning the reference policy.
 * {@link dpo.datasets.synthetic.SyntheticTasks} lists them; {@link
 * dpo.datasets.synthetic.SafeHelpfulTask} documents the bundled {@code safe-helpful} task and its
 * reward.
 */
package dpo.datasets.synthetic;
