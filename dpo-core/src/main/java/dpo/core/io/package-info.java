/**
 * Output folders: ownership, one process per folder, clean-up after a kill. The files themselves
 * are written with {@link dpo.api.io.DurableFiles}.
 */
package dpo.core.io;
