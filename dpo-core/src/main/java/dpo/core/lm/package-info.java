/**
 * Text in and text out of a backend's language models: scoring responses and generating completions
 * of checkpoint folders through the {@link dpo.api.lm.LanguageModels} facet; and training a
 * language model on a fixed dataset: next-token training ({@link dpo.core.lm.LmTrainExperiment},
 * pretraining and supervised fine-tuning) and offline DPO on preference pairs ({@link
 * dpo.core.lm.DpoTrainExperiment}), both on the one loop of {@link dpo.core.training.TrainingLoop}.
 */
package dpo.core.lm;
