/**
 * The paper's samplers (DPO-Unif, DPO-Mix-R, DPO-Mix-P, DPO-Mix-P*) and the baselines, each a
 * mixture of tilted product distributions (see {@link dpo.api.sampler}).
 */
package dpo.samplers;
