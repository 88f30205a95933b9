/**
 * The safetensors file format (an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw data), read defensively and written
 * atomically. Pure Java: no DJL types, so checkpoints can be checked without loading an engine.
 */
package dpo.backend.gpu.safetensors;
