package dpo.backend.gpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Scalar operands for arithmetic that autograd records. DJL's {@code x.mul(2)} wraps the number in
 * a temporary array and closes it right after the call; on the CPU that array is a view of a direct
 * buffer PyTorch does not own, so when the backward pass reads the saved operand (the factor of a
 * product, the divisor of a quotient, the exponent of a power) the memory may already be reused,
 * which gave NaN or silently wrong gradients. A scalar made here lives in the operand's manager,
 * that is until the step that recorded it has run its backward pass.
 */
public final class Scalars {
  private Scalars() {}

  /**
   * A 0-dimensional array of {@code value} with the type and manager of {@code like}.
   *
   * @param like the array the scalar will be combined with
   * @param value the value
   * @return the scalar
   */
  public static NDArray like(NDArray like, double value) {
    return like.getDataType() == DataType.FLOAT64
        ? like.getManager().create(value)
        : like.getManager().create((float) value);
  }
}
