package dpo.api.lm;

import dpo.api.ConfigurationException;

/**
 * The main dimensions of a causal transformer. A backend may know more about a loaded model (the
 * djl backend reads a Hugging Face config.json: key-value heads, head width, MLP width, rotary
 * positions); a model created from this record alone is GPT-2-shaped.
 *
 * @param vocabularySize number of token ids
 * @param width embedding width (GPT-2's n_embd); a multiple of {@code heads}
 * @param layers number of transformer blocks (n_layer)
 * @param heads attention heads per block (n_head)
 * @param contextLength longest sequence (prompt plus response) the model accepts (n_positions)
 */
public record ModelConfig(int vocabularySize, int width, int layers, int heads, int contextLength) {

  /**
   * Validates the shape.
   *
   * @param vocabularySize number of token ids
   * @param width embedding width (GPT-2's n_embd); a multiple of {@code heads}
   * @param layers number of transformer blocks (n_layer)
   * @param heads attention heads per block (n_head)
   * @param contextLength longest sequence (prompt plus response) the model accepts (n_positions)
   */
  public ModelConfig {
    positive("vocabularySize", vocabularySize);
    positive("width", width);
    positive("layers", layers);
    positive("heads", heads);
    positive("contextLength", contextLength);
    if (width % heads != 0) {
      throw new ConfigurationException(
          "heads",
          "width must be a multiple of heads, got width "
              + width
              + " and heads "
              + heads
              + "; choose heads dividing "
              + width);
    }
  }

  private static void positive(String field, int value) {
    if (value <= 0) {
      throw new ConfigurationException(field, field + " must be > 0, got " + value);
    }
  }

  /**
   * Width of one attention head when heads split the width evenly (GPT-2, most Llamas).
   *
   * @return width / heads
   */
  public int headWidth() {
    return width / heads;
  }
}
