/**
 * GPT-style causal language models on DJL: the transformer (GPT-2's tensor names and layout),
 * KV-cached generation with per-token logit mixing, sequence log-probabilities, and the AdamW
 * trainer for DPO and supervised steps.
 *
 * <p>The transformer is written with DJL's operators ({@code LayerNorm.layerNorm}, {@code
 * Linear.linear}, {@code Embedding.embedding}) over named parameter arrays instead of {@code
 * Block} subclasses: generation needs the attention's keys and values per layer (the KV cache),
 * and checkpoints keep GPT-2's (in, out) weight layout without transposes. Every step opens a
 * sub-manager so its native memory is freed when it ends.
 */
package dpo.backend.gpu.lm;
