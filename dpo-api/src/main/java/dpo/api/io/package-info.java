/**
 * Durable file output: the one way the framework, and any plugin that writes files, puts a file or
 * a folder on disk so that a crash or a kill leaves either the old content or the new, never a
 * partial file, and a completed write survives a power loss.
 *
 * <p>It lives in the API (JDK only) because every module that writes files, the dataset writers and
 * the backends' checkpoints included, depends on the API and nothing else.
 */
@Experimental("a helper for plugins that write files; its methods may still change")
package dpo.api.io;

import dpo.api.Experimental;
