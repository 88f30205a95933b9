/**
 * The reference CPU backend ({@code cpu}): tabular softmax policies trained with the exact gradient
 * of the sampler-weighted DPO loss or with sampled, labelled pairs. Prompts are independent and run
 * in parallel; memory is O(X * Y), never O(X * Y * Y).
 */
package dpo.backend.cpu;
