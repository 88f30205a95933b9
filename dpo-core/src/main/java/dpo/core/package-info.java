/**
 * The framework's core: the provider registry, Guice wiring, the tabular study driver, metrics,
 * provenance and atomic result files. Plugins are reached only through {@link
 * java.util.ServiceLoader}.
 */
package dpo.core;
