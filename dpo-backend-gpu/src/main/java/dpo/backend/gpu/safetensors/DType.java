package dpo.backend.gpu.safetensors;

import java.util.Arrays;
import java.util.Optional;

/** The element types this project reads; all convert to float32. */
public enum DType {
  /** IEEE float32. */
  F32(4),
  /** IEEE float16. */
  F16(2),
  /** bfloat16: the upper half of a float32. */
  BF16(2),
  /** IEEE float64. */
  F64(8);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  /**
   * Bytes per element.
   *
   * @return the size
   */
  public int bytes() {
    return bytes;
  }

  /**
   * The dtype with a header name.
   *
   * @param name the header's dtype string
   * @return the dtype, or empty if not supported
   */
  public static Optional<DType> of(String name) {
    return Arrays.stream(values()).filter(d -> d.name().equals(name)).findFirst();
  }
}
