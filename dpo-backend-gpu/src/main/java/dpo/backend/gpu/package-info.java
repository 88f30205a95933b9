/**
 * The DJL backend ({@code djl}) for causal transformer language models: generation with a KV cache
 * and logit mixing, sequence log-probabilities and DPO training, on CUDA when present.
 *
 * <p>DJL must run offline: {@link dpo.backend.gpu.DjlOffline#enforce()} sets {@code ai.djl.offline}
 * and {@code OPT_OUT_TRACKING} before any DJL class loads, because DJL's engine otherwise downloads
 * natives and reports usage at start-up.
 */
package dpo.backend.gpu;
