package dpo.backend.gpu.lm;

import dpo.api.lm.SaveFormat;
import dpo.backend.gpu.safetensors.DType;

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
   * The format of the API's terms.
   *
   * @param format the element type and largest shard
   * @return the same format for this backend's writer
   */
  public static CheckpointFormat of(SaveFormat format) {
    return new CheckpointFormat(
        format.weights() == SaveFormat.WeightType.BFLOAT16 ? DType.BF16 : DType.F32,
        format.maxShardBytes());
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
