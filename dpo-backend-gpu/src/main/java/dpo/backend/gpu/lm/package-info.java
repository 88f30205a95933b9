/**
 * Causal language models on DJL: one decoder for GPT-2 and the Llama family (Hugging Face's tensor
 * names and layouts, checkpoints in and out), KV-cached generation with per-token logit mixing,
 * sequence log-probabilities, and the AdamW trainer for DPO and supervised steps.
 *
 * <p>The transformer is written with DJL's operators ({@code LayerNorm.layerNorm}, {@code
 * Linear.linear}, {@code Embedding.embedding}) over named parameter arrays instead of {@code Block}
 * subclasses: generation needs the attention's keys and values per layer (the KV cache), and
 * checkpoints keep GPT-2's (in, out) weight layout without transposes. Every step opens a
 * sub-manager so its native memory is freed when it ends.
 */
package dpo.backend.gpu.lm;
