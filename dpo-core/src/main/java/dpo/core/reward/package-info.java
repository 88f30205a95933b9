/**
 * Fitting learned reward models to labelled preference pairs, with the reward models of any
 * backend.
 */
package dpo.core.reward;
