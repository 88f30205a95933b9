/**
 * The shipped objectives: the sigmoid (Bradley-Terry) DPO loss with soft, hard or smoothed labels,
 * IPO and hinge (SLiC).
 */
package dpo.core.objective;
