package dpo.core.bandit;

import dpo.core.metrics.Convergence;

/**
 * The trajectory of one sampler: metrics at steps 0 .. T (step 0 is the initial policy, step t the
 * policy after t updates), each averaged over prompts, and the loss of each update.
 *
 * @param sampler the sampler id
 * @param paramDiff Param Diff per step, length T + 1
 * @param value V(pi) per step, length T + 1
 * @param valueDiff V(pi*) - V(pi) per step, length T + 1
 * @param loss the loss of update t (before it), length T
 * @param convergence the summary of the Param Diff curve
 */
public record SamplerRun(
    String sampler,
    double[] paramDiff,
    double[] value,
    double[] valueDiff,
    double[] loss,
    Convergence convergence) {}
