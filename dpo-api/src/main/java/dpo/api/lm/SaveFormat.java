package dpo.api.lm;

import dpo.api.ConfigurationException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a checkpoint folder stores its weights: the element type and the largest shard, as Hugging
 * Face's {@code save_pretrained(max_shard_size=...)} lays them out: weights that fit in one shard
 * are one {@code model.safetensors}, larger ones {@code model-00001-of-0000N.safetensors} files
 * listed by {@code model.safetensors.index.json}.
 *
 * @param weights the element type of the written weights
 * @param maxShardBytes the most tensor bytes in one shard, at least 1 (a larger tensor gets a shard
 *     to itself)
 */
public record SaveFormat(WeightType weights, long maxShardBytes) {
  /** float32 in one file: what {@link LanguageModel#save(java.nio.file.Path)} writes. */
  public static final SaveFormat DEFAULT = new SaveFormat(WeightType.FLOAT32, Long.MAX_VALUE);

  private static final Pattern SIZE =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)?");

  /** The element type of saved weights. */
  public enum WeightType {
    /** IEEE 754 single precision, exact. */
    FLOAT32,
    /** bfloat16: each weight rounded to nearest, ties to even, as PyTorch rounds. */
    BFLOAT16
  }

  /**
   * Validates the fields.
   *
   * @param weights the element type
   * @param maxShardBytes the most tensor bytes in one shard
   * @throws ConfigurationException naming {@code weights} or {@code maxShardBytes}
   */
  public SaveFormat {
    if (weights == null) {
      throw new ConfigurationException("weights", "weights: give float32 or bfloat16");
    }
    if (maxShardBytes < 1) {
      throw new ConfigurationException(
          "maxShardBytes", "maxShardBytes must be >= 1 byte, got " + maxShardBytes);
    }
  }

  /**
   * Parses a weight type as the command line writes it.
   *
   * @param field the field or option an error names, e.g. {@code dtype}
   * @param text {@code float32} ({@code f32}, {@code fp32}) or {@code bfloat16} ({@code bf16})
   * @return the type
   * @throws ConfigurationException naming the field for anything else
   */
  public static WeightType parseWeights(String field, String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "float32", "f32", "fp32" -> WeightType.FLOAT32;
      case "bfloat16", "bf16" -> WeightType.BFLOAT16;
      default ->
          throw new ConfigurationException(
              field, "'" + text + "' is not a dtype dpo writes; use float32 or bfloat16");
    };
  }

  /**
   * Parses a size as {@code transformers} does: {@code 2GB} is 2 * 10^9 bytes, {@code 2GiB} is 2 *
   * 2^30; a bare number is bytes.
   *
   * @param field the field or option an error names, e.g. {@code maxShardSize}
   * @param size the text
   * @return bytes, at least 1
   * @throws ConfigurationException naming the field for a malformed or zero size
   */
  public static long parseSize(String field, String size) {
    Matcher m = SIZE.matcher(size.strip().toUpperCase(Locale.ROOT));
    if (!m.matches()) {
      throw new ConfigurationException(
          field, "'" + size + "' is not a size; write e.g. 2GB, 500MB or 1GiB");
    }
    String unit = m.group(2) == null ? "B" : m.group(2);
    double scale =
        switch (unit) {
          case "KB" -> 1e3;
          case "MB" -> 1e6;
          case "GB" -> 1e9;
          case "TB" -> 1e12;
          case "KIB" -> 1L << 10;
          case "MIB" -> 1L << 20;
          case "GIB" -> 1L << 30;
          case "TIB" -> 1L << 40;
          default -> 1;
        };
    double bytes = Double.parseDouble(m.group(1)) * scale;
    if (!(bytes >= 1) || bytes > Long.MAX_VALUE) {
      throw new ConfigurationException(
          field, "'" + size + "' must be at least 1 byte and below 2^63");
    }
    return (long) bytes;
  }
}
