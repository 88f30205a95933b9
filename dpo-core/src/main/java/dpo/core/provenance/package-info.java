/** Provenance: what produced a result, so that it can be reproduced exactly. */
package dpo.core.provenance;
