/**
 * JMH micro-benchmarks of the tabular backend's kernels. Run them with {@code ./dpo jmh} (all) or
 * {@code ./dpo jmh ExactStep -p responses=512} (JMH's own options follow).
 */
package dpo.bench.jmh;
