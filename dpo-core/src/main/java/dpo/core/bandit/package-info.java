/** The tabular (bandit) study of PAPER.md section 1: configuration, driver and results. */
package dpo.core.bandit;
