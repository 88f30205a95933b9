/** Fitting learned reward models to labelled preference pairs, on any backend with GENERATION. */
package dpo.core.reward;
