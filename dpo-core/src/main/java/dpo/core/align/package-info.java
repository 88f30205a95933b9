/**
 * The iterative online DPO loop on language models (PAPER.md section 2): {@link
 * dpo.core.align.OnlineDpoLoop} generates responses with a sampler's logit-mixed pair of
 * distributions ({@link dpo.core.align.GenerationPlan}), labels best-vs-worst pairs with a reward
 * oracle, trains with an objective, evaluates ({@link dpo.core.align.Evaluation}) and checkpoints
 * so that interrupted runs resume exactly. Settings are an {@link dpo.core.align.AlignConfig}.
 * Works on the {@code dpo.api} types only, with any backend that generates text.
 */
package dpo.core.align;
