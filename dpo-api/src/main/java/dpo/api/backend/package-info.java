/**
 * Policy backends: where policies live and are trained.
 *
 * <p>Lifecycle: a {@link dpo.api.backend.PolicyBackendProvider} creates a {@link
 * dpo.api.backend.PolicyBackend} (loading natives or devices at that point, never at discovery);
 * the backend creates policies; policies and backends are closed with try-with-resources.
 *
 * <p>One interface per job. A backend offers <em>facets</em>, each or not:
 *
 * <ul>
 *   <li>{@link dpo.api.backend.TabularPolicies}: softmax policies of the bandit study ({@link
 *       dpo.api.backend.BackendCapability#EXACT_GRADIENT}, {@link
 *       dpo.api.backend.BackendCapability#SAMPLED_GRADIENT});
 *   <li>{@link dpo.api.lm.LanguageModels}: causal language models, tokenizers, generation with
 *       logit mixing, DPO and supervised training ({@link
 *       dpo.api.backend.BackendCapability#LANGUAGE_MODELS});
 *   <li>{@link dpo.api.lm.RewardModels}: reward models and their training ({@link
 *       dpo.api.backend.BackendCapability#REWARD_MODELS}).
 * </ul>
 *
 * <p>A caller asks the backend for a facet ({@code backend.languageModels()}) and gets an {@link
 * java.util.Optional}: a backend implements the accessors of the facets it has and inherits empty
 * ones for the rest, so nothing in this package throws for a missing feature. The facets are
 * explicit accessors rather than a lookup by class so that the compiler checks both sides. A
 * backend offers a facet exactly when its {@link dpo.api.backend.PolicyBackend#capabilities()} name
 * it; the testkit's {@code BackendContract} checks that. The capabilities are what the backend can
 * do on this machine: {@link dpo.api.backend.BackendCapability#CUDA} only where a GPU is.
 */
@Experimental("the backend SPI is being split into smaller capability facets")
package dpo.api.backend;

import dpo.api.Experimental;
