/**
 * Row schemas: which {@link dpo.api.data.DataFormat} a file's rows follow, how rows become {@link
 * dpo.api.data.DataRecord records} and back, and field-level errors.
 *
 * <p>{@link dpo.datasets.format.Datasets} opens readers ({@link dpo.datasets.format.DatasetReader})
 * and {@link dpo.datasets.format.DatasetWriter} writes records atomically; {@link
 * dpo.datasets.format.DatasetSummary} gathers the field statistics that {@code dpo data inspect}
 * prints.
 */
package dpo.datasets.format;
