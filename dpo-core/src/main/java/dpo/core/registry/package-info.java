/** Discovery and lookup of providers by id. */
package dpo.core.registry;
