/**
 * Samplers: which ordered pairs of responses a DPO step trains on.
 *
 * <p>Every sampler is a mixture of product distributions over ordered pairs (y, y'). Each mixture
 * component draws y and y' independently from two {@link dpo.api.sampler.Tilt tilted}
 * distributions, proportional to pi_theta^a * pi_ref^b * exp(c * r) * (pi_theta / pi_ref)^(d *
 * beta). This one description serves every backend: a tabular backend evaluates it exactly, and a
 * language-model backend realises the pi_theta/pi_ref part by per-token logit mixing. {@link
 * dpo.api.sampler.GenerationPlan} decides from the tilts whether a sampler can run on a language
 * model, and says why not when it cannot.
 */
package dpo.api.sampler;
