package dpo.backend.gpu.safetensors;

import java.util.Arrays;

/**
 * A named float32 tensor in row-major order.
 *
 * @param shape dimensions
 * @param data elements, {@code product(shape)} of them
 */
public record Tensor(long[] shape, float[] data) {

  /**
   * Checks that the data fills the shape.
   *
   * @param shape dimensions
   * @param data elements, {@code product(shape)} of them
   */
  public Tensor {
    shape = shape.clone();
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    if (n != data.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " needs " + n + " elements, got " + data.length);
    }
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "Tensor" + Arrays.toString(shape);
  }
}
