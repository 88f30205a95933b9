/**
 * The {@code spark} generation engine of {@code dpo align --engine spark}: each iteration's
 * generation and oracle scoring as a Spark job, the models broadcast as checkpoint bytes, the
 * prompts partitioned, the records identical to the local engine's ({@link
 * dpo.core.align.GenerationEngine}).
 */
package dpo.spark.align;
