/**
 * Preparing prompts for a run: {@link dpo.datasets.prompts.PromptTemplate templates} (the paper's
 * Safe-RLHF and Alpaca templates, or any text with {@code {prompt}}), {@link
 * dpo.datasets.prompts.LengthFilter length filters}, index-range {@link dpo.datasets.prompts.Split
 * splits} and a reproducible seeded {@link dpo.datasets.prompts.Shuffle shuffle}, combined in that
 * order by {@link dpo.datasets.prompts.Preparation}.
 */
package dpo.datasets.prompts;
