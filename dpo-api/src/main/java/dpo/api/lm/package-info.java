/**
 * Language-model policies for the practical algorithm: token-level models, batched generation
 * with logit mixing, sequence log-probabilities and preference training steps.
 *
 * <p>Everything here works on token ids; a {@link dpo.api.lm.Tokenizer} maps text to ids. A
 * backend with {@link dpo.api.Capability#GENERATION} creates the models ({@link
 * dpo.api.backend.PolicyBackend#newLanguageModel}) and runs generation and training.
 */
@Experimental("the language-model types follow the backend SPI and grow with new model families")
package dpo.api.lm;

import dpo.api.Experimental;
