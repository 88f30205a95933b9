/**
 * Readers and writers of the data the framework consumes: reward tables for the tabular study
 * ({@link dpo.datasets.rewards}), dataset files as rows ({@link dpo.datasets.io}), their row
 * schemas ({@link dpo.datasets.format}), prompt preparation ({@link dpo.datasets.prompts}),
 * tokenizers ({@link dpo.datasets.text}) and language-model training data ({@link
 * dpo.datasets.lm}).
 */
package dpo.datasets;
