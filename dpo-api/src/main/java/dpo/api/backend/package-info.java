/**
 * Policy backends: where policies live and are trained.
 *
 * <p>Lifecycle: a {@link dpo.api.backend.PolicyBackendProvider} creates a {@link
 * dpo.api.backend.PolicyBackend} (loading natives or devices at that point, never at discovery);
 * the backend creates policies; policies and backends are closed with try-with-resources.
 */
@Experimental("the backend SPI is being split into smaller capability facets")
package dpo.api.backend;

import dpo.api.Experimental;
