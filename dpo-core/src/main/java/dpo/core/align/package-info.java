/**
 * The iterative online DPO loop on language models (docs/method.md §4): {@link
 * dpo.core.align.OnlineDpoLoop} generates responses with a sampler's logit-mixed pair of
 * distributions ({@link dpo.api.sampler.GenerationPlan}), labels best-vs-worst pairs with a reward
 * oracle, trains with an objective, evaluates ({@link dpo.core.align.Evaluation}) and checkpoints
 * so that interrupted runs resume exactly. Settings are an {@link dpo.core.align.AlignConfig}.
 * Works on the {@code dpo.api} types only, with the {@link dpo.api.lm.LanguageModels} facet of any
 * backend.
 */
package dpo.core.align;
