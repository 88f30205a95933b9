/**
 * Training data for language models: examples read by {@link dpo.datasets.format.TextExamples}
 * become token blocks with a loss mask, packed or padded, with a seeded held-out split ({@link
 * dpo.datasets.lm.LmData}).
 */
package dpo.datasets.lm;
