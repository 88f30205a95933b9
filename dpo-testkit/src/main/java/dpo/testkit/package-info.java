/**
 * Contract tests for third-party plugins. A plugin's own test sources extend {@link
 * dpo.testkit.SamplerContract}, {@link dpo.testkit.ObjectiveContract}, {@link
 * dpo.testkit.OracleContract} or {@link dpo.testkit.BackendContract} and return their provider; the
 * inherited JUnit 5 tests then check the laws of the API against it, numerically where a law exists
 * (gradients against finite differences, weights that sum to 1, a symmetric loss) and, for
 * backends, against the exact steps and curves of the paper's tabular study. {@link
 * dpo.testkit.TabularReference} is the plain, slow computation of the tabular step from the API's
 * definitions that the contracts compare with; the samplers and losses the contracts train with are
 * the testkit's own too, written from the method's formulas.
 *
 * <p>Add {@code io.github.onlinedpo:dpo-testkit} with test scope and {@code
 * org.junit.jupiter:junit-jupiter} (engine) to the plugin's build. The testkit brings {@code
 * dpo-api} and JUnit's API and nothing else of dpo. The sampler contract trains on the backends on
 * the test class path, so add one in test scope ({@code io.github.onlinedpo:dpo-backend-cpu});
 * {@link dpo.testkit.BackendContract#referenceBackend()} names a backend to compare with step by
 * step.
 */
package dpo.testkit;
