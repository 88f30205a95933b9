/** Tokenizers of the DJL backend: Hugging Face {@code tokenizer.json} files, read offline. */
package dpo.backend.gpu.text;
