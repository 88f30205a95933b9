/** The tabular study's metrics (docs/method.md §3) and the convergence summary of a curve. */
package dpo.core.metrics;
