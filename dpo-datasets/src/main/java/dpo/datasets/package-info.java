/**
 * Readers and writers of the data the framework consumes: reward tables for the tabular study
 * ({@link dpo.datasets.rewards}), dataset files as rows ({@link dpo.datasets.io}), their row schemas
 * ({@link dpo.datasets.format}) and prompt preparation ({@link dpo.datasets.prompts}).
 */
package dpo.datasets;
