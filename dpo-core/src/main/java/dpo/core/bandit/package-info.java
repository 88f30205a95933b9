/** The tabular (bandit) study of docs/method.md §3: configuration, driver and results. */
package dpo.core.bandit;
