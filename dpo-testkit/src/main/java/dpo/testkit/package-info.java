/**
 * Contract tests for third-party plugins. A plugin's own test sources extend {@link
 * dpo.testkit.SamplerContract}, {@link dpo.testkit.ObjectiveContract} or {@link
 * dpo.testkit.BackendContract} and return their provider; the inherited JUnit 5 tests then check
 * the laws of the API against it, numerically where a law exists (gradients against finite
 * differences, weights that sum to 1, a symmetric loss) and against the reference CPU backend on
 * the paper's tabular study. {@link dpo.testkit.TabularReference} is the plain, slow computation of
 * the tabular step from the API's definitions that the contracts compare with.
 *
 * <p>Add {@code io.github.onlinedpo:dpo-testkit} with test scope and {@code
 * org.junit.jupiter:junit-jupiter} (engine) to the plugin's build; the testkit brings the shipped
 * samplers, objectives and the CPU backend along.
 */
package dpo.testkit;
