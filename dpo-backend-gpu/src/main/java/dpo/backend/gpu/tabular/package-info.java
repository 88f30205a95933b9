/**
 * Tabular softmax policies on DJL: theta as a float64 array on the backend's device, the
 * sampler-weighted DPO loss built from array operations and its gradient taken by DJL autograd.
 * Results agree with the CPU backend's to rounding.
 */
package dpo.backend.gpu.tabular;
