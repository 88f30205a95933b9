/** The {@code dpo} command line: the tabular study, and (later) benchmarks and reports. */
package dpo.bench;
