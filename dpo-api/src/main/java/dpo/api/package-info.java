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
 * <p>Each plugin point has a {@code ...Provider} that a module lists in {@code
 * META-INF/services}; the core discovers providers with {@link java.util.ServiceLoader} and picks
 * them by their stable kebab-case {@link dpo.api.Provider#id() id}.
 */
package dpo.api;
