/**
 * Language-model policies for the practical algorithm: token-level models, batched generation with
 * logit mixing, sequence log-probabilities and preference training steps.
 *
 * <p>Everything here works on token ids; a {@link dpo.api.lm.Tokenizer} maps text to ids. Two
 * backend facets create the models: {@link dpo.api.lm.LanguageModels} (policies: generation and
 * training) and {@link dpo.api.lm.RewardModels}, offered by backends with {@link
 * dpo.api.backend.BackendCapability#LANGUAGE_MODELS} and {@link
 * dpo.api.backend.BackendCapability#REWARD_MODELS}.
 */
@Experimental("the language-model types follow the backend SPI and grow with new model families")
package dpo.api.lm;

import dpo.api.Experimental;
