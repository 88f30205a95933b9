/** Result files that are never half-written. */
package dpo.core.io;
