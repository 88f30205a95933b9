package dpo.backend.gpu.lm;

import dpo.api.ConfigurationException;
import dpo.api.lm.ModelConfig;
import java.util.List;

/**
 * (prompt, response) pairs as one right-padded token grid, checked against a model's vocabulary and
 * context. Causal attention keeps the padding after a sequence from changing it.
 *
 * @param batch number of pairs
 * @param length columns of the grid: the longest prompt plus response
 * @param tokens row-major (batch, length) ids, padded with 0
 */
record PaddedPairs(int batch, int length, long[] tokens) {

  static PaddedPairs of(ModelConfig config, List<int[]> prompts, List<int[]> responses) {
    int batch = prompts.size();
    if (responses.size() != batch) {
      throw new ConfigurationException(
          "responses",
          "got "
              + batch
              + " prompts and "
              + responses.size()
              + " responses; give one response per prompt");
    }
    int context = config.contextLength();
    int length = 1;
    for (int i = 0; i < batch; i++) {
      if (prompts.get(i).length == 0) {
        throw new ConfigurationException(
            "prompts",
            "prompt " + i + " is empty; a response's first token needs at least one prompt token");
      }
      int total = prompts.get(i).length + responses.get(i).length;
      if (total > context) {
        throw new ConfigurationException(
            "responses",
            "prompt "
                + i
                + " with its response has "
                + total
                + " tokens, the model's context is "
                + context
                + "; shorten them or use a larger contextLength");
      }
      length = Math.max(length, total);
    }
    int vocabulary = config.vocabularySize();
    long[] tokens = new long[batch * length];
    for (int i = 0; i < batch; i++) {
      int[] prompt = prompts.get(i);
      int[] response = responses.get(i);
      for (int t = 0; t < prompt.length; t++) {
        tokens[i * length + t] = checkToken(prompt[t], vocabulary, "prompts", i);
      }
      for (int t = 0; t < response.length; t++) {
        tokens[i * length + prompt.length + t] =
            checkToken(response[t], vocabulary, "responses", i);
      }
    }
    return new PaddedPairs(batch, length, tokens);
  }

  static long checkToken(int token, int vocabulary, String field, int row) {
    if (token < 0 || token >= vocabulary) {
      throw new ConfigurationException(
          field,
          "token "
              + token
              + " in "
              + field
              + "["
              + row
              + "] is outside the vocabulary [0, "
              + vocabulary
              + "); use the model's tokenizer");
    }
    return token;
  }
}
