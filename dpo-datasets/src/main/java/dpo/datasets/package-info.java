/** Readers and writers of the data the framework consumes. */
package dpo.datasets;
