/**
 * Reward oracles shipped with the datasets module: {@code command} (a user's process over JSON
 * lines, see {@link dpo.datasets.oracle.CommandOracleProvider}) and {@code synthetic} (the
 * ground-truth reward of a bundled synthetic task, see {@link
 * dpo.datasets.oracle.SyntheticOracleProvider}).
 */
package dpo.datasets.oracle;
