package dpo.backend.gpu.lm;

import dpo.api.ConfigurationException;
import dpo.backend.gpu.safetensors.DType;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a saved checkpoint stores its weights: the element type and the largest shard. A checkpoint
 * whose weights fit in one shard is one {@code model.safetensors}; a larger one is split, as
 * Hugging Face's {@code save_pretrained(max_shard_size=...)} splits it, into {@code
 * model-00001-of-0000N.safetensors} files listed by {@code model.safetensors.index.json}.
 *
 * @param dtype {@link DType#F32} or {@link DType#BF16}
 * @param maxShardBytes the most tensor bytes in one shard (a larger tensor gets a shard to itself)
 */
public record CheckpointFormat(DType dtype, long maxShardBytes) {
  /** float32 in one file: what {@code save} writes. */
  public static final CheckpointFormat DEFAULT = new CheckpointFormat(DType.F32, Long.MAX_VALUE);

  private static final Pattern SIZE =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)?");

  /**
   * Validates the fields.
   *
   * @param dtype {@link DType#F32} or {@link DType#BF16}
   * @param maxShardBytes the most tensor bytes in one shard, at least 1
   */
  public CheckpointFormat {
    if (dtype != DType.F32 && dtype != DType.BF16) {
      throw new IllegalArgumentException("checkpoints are written in F32 or BF16, not " + dtype);
    }
    if (maxShardBytes < 1) {
      throw new IllegalArgumentException("max shard size must be >= 1 byte, got " + maxShardBytes);
    }
  }

  /**
   * Parses command-line values.
   *
   * @param option the field or option the error names, e.g. {@code --dtype}
   * @param dtype {@code float32} ({@code f32}, {@code fp32}) or {@code bfloat16} ({@code bf16})
   * @return the dtype
   * @throws ConfigurationException naming the option for anything else
   */
  public static DType parseDtype(String option, String dtype) {
    return switch (dtype.toLowerCase(Locale.ROOT)) {
      case "float32", "f32", "fp32" -> DType.F32;
      case "bfloat16", "bf16" -> DType.BF16;
      default ->
          throw new ConfigurationException(
              option, "'" + dtype + "' is not a dtype dpo writes; use float32 or bfloat16");
    };
  }

  /**
   * Parses a size as {@code transformers} does: {@code 2GB} is 2 * 10^9 bytes, {@code 2GiB} is 2 *
   * 2^30; a bare number is bytes.
   *
   * @param option the field or option the error names, e.g. {@code --max-shard-size}
   * @param size the text
   * @return bytes, at least 1
   * @throws ConfigurationException naming the option for a malformed or zero size
   */
  public static long parseSize(String option, String size) {
    Matcher m = SIZE.matcher(size.strip().toUpperCase(Locale.ROOT));
    if (!m.matches()) {
      throw new ConfigurationException(
          option, "'" + size + "' is not a size; write e.g. 2GB, 500MB or 1GiB");
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
          option, "'" + size + "' must be at least 1 byte and below 2^63");
    }
    return (long) bytes;
  }

  /**
   * The {@code torch_dtype} of config.json for this format.
   *
   * @return {@code float32} or {@code bfloat16}
   */
  String torchDtype() {
    return dtype == DType.BF16 ? "bfloat16" : "float32";
  }
}
