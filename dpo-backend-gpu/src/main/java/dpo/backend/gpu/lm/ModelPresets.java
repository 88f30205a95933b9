package dpo.backend.gpu.lm;

import dpo.api.ConfigurationException;
import dpo.api.lm.ModelConfig;
import java.util.List;

/**
 * Named model sizes shared by every command that creates a model: {@code tiny} (the bench's
 * default, seconds per measurement on a laptop) and {@code smollm-135m} (SmolLM-135M's shape:
 * hidden 576, 30 layers, 9 heads, 3 key-value heads, intermediate 1536, vocabulary 49152, context
 * 2048, tied head). Either size exists as a Llama or as a GPT-2 (same widths; GPT-2 has one
 * key-value head per head).
 */
public final class ModelPresets {
  /** The preset names. */
  public static final List<String> NAMES = List.of("tiny", "smollm-135m");

  /** The architectures a preset can take. */
  public static final List<String> ARCHITECTURES = List.of("llama", "gpt2");

  private ModelPresets() {}

  /**
   * An architecture of a preset's size, with optional overrides (0 keeps the preset's value).
   *
   * @param arch {@code llama} or {@code gpt2}
   * @param preset a name of {@link #NAMES}
   * @param context longest sequence
   * @param layers override of the layer count, or 0
   * @param width override of the width, or 0
   * @param heads override of the head count, or 0
   * @param vocabulary override of the vocabulary, or 0
   * @return the architecture
   */
  static GptArchitecture architecture(
      String arch, String preset, int context, int layers, int width, int heads, int vocabulary) {
    if (!ARCHITECTURES.contains(arch)) {
      throw new ConfigurationException(
          "arch", "--arch must be one of " + ARCHITECTURES + ", got '" + arch + "'");
    }
    int[] p =
        switch (preset) {
          // vocabulary, width, layers, heads, key-value heads, intermediate
          case "tiny" -> new int[] {64, 64, 2, 4, 2, 172};
          case "smollm-135m" -> new int[] {49152, 576, 30, 9, 3, 1536};
          default ->
              throw new ConfigurationException(
                  "preset", "--preset must be one of " + NAMES + ", got '" + preset + "'");
        };
    int v = vocabulary > 0 ? vocabulary : p[0];
    int d = width > 0 ? width : p[1];
    int l = layers > 0 ? layers : p[2];
    int h = heads > 0 ? heads : p[3];
    int groups = p[3] / p[4];
    int kv = h % groups == 0 ? h / groups : h;
    int inner = width > 0 ? Math.max(1, (8 * d / 3 + 3) / 4 * 4) : p[5];
    ModelConfig shape = new ModelConfig(v, d, l, h, context);
    if (arch.equals("gpt2")) {
      GptArchitecture g = GptArchitecture.gpt2(shape);
      return new GptArchitecture(
          g.modelType(),
          shape,
          h,
          shape.headWidth(),
          inner,
          g.activation(),
          g.normEpsilon(),
          g.ropeTheta(),
          null,
          true,
          true,
          true,
          true,
          g.tokens());
    }
    return GptArchitecture.llama(shape, kv, inner, preset.equals("smollm-135m"));
  }
}
