/** The tabular study's metrics (PAPER.md section 1) and the convergence summary of a curve. */
package dpo.core.metrics;
