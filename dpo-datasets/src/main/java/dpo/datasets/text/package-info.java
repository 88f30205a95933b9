/**
 * Tokenizers from your own text: GPT-2's byte-level scheme ({@link dpo.datasets.text.ByteLevel}), a
 * deterministic BPE trainer ({@link dpo.datasets.text.BpeTrainer}), a pure-Java encoder that gives
 * the Hugging Face tokenizers library's ids ({@link dpo.datasets.text.BpeTokenizer}), the special
 * tokens every command uses ({@link dpo.datasets.text.SpecialTokens}) and the {@code
 * tokenizer.json} / {@code tokenizer_config.json} files ({@link dpo.datasets.text.TokenizerFiles}).
 * Written by hand rather than bound to the native library so that the pipeline needs no native code
 * to tokenize, and because training needs a tie rule of our own for determinism.
 */
package dpo.datasets.text;
