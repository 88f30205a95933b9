/**
 * The service-provider interface of the online DPO framework.
 *
 * <p>This module depends on the JDK only. It holds the plugin points and what they share:
 *
 * <ul>
 *   <li>{@link dpo.api.sampler} defines which ordered response pairs a DPO step trains on;
 *   <li>{@link dpo.api.objective} defines the per-pair preference loss;
 *   <li>{@link dpo.api.backend} defines the backends where policies are trained, each offering
 *       facets: tabular policies, {@link dpo.api.lm language models} and reward models;
 *   <li>{@link dpo.api.oracle} defines the reward oracles that score responses, and the rules that
 *       turn rewards into preference labels.
 * </ul>
 *
 * <p>Each plugin point has a {@code ...Provider} that a module lists in {@code META-INF/services};
 * the core discovers providers with {@link java.util.ServiceLoader} and picks them by their stable
 * kebab-case {@link dpo.api.Provider#id() id}.
 *
 * <p>Every package says in its {@code package-info} whether plugins may rely on it: {@link
 * dpo.api.Stable} ({@code dpo.api}, {@code dpo.api.sampler}, {@code dpo.api.objective}, {@code
 * dpo.api.oracle}) or {@link dpo.api.Experimental} ({@code dpo.api.backend}, {@code dpo.api.lm},
 * {@code dpo.api.data}).
 */
@Stable
package dpo.api;
