/**
 * Objectives: the per-pair preference losses a DPO step minimises.
 *
 * <p>An objective sees one ordered pair through h, the difference of implicit log-ratios (log
 * pi_theta(y) - log pi_ref(y)) - (log pi_theta(y') - log pi_ref(y')), and p, the probability that y
 * is preferred to y'. Hard labels are p in {0, 1}; soft Bradley-Terry labels are sigma(r(y) -
 * r(y')).
 */
@Stable
package dpo.api.objective;

import dpo.api.Stable;
