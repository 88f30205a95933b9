/**
 * Text in and text out of a backend's language models: scoring responses and generating completions
 * of checkpoint folders through the {@link dpo.api.lm.LanguageModels} facet.
 */
package dpo.core.lm;
