package dpo.api.backend;

import java.nio.ByteBuffer;

/**
 * Products of a few rows with fixed matrices on the host CPU, {@code y = x W^T + b}: the products
 * of a generation's one-token steps, where each step multiplies one row per sequence by every
 * weight of the model. General-purpose matrix libraries are tuned for large products and can run
 * these thin ones far below the machine's speed; a backend may hand them to an implementation of
 * this interface instead (the {@code djl} backend does for Llama-family models on the CPU).
 *
 * <p>The caller owns all memory: buffers of float32 values in native byte order, direct (native
 * memory) so that a backend can pass its tensors' memory without copying, read and written from
 * position 0. A weight is first prepared into a buffer of {@link #preparedBytes} bytes, in whatever
 * layout the kernel reads best, and then multiplied many times. Each output element is a sum over
 * the inputs in an order that depends only on the prepared weight: the same bits for any number of
 * rows and threads. One thread multiplies at a time; {@link #close()} ends the threads an instance
 * started.
 */
public interface HostProducts extends AutoCloseable {

  /**
   * Bytes of a prepared weight and bias.
   *
   * @param outputs the weight's rows
   * @param inputs the weight's columns
   * @return the size of the buffer {@link #prepare} fills
   * @throws IllegalArgumentException when a size is not positive or the result passes 2^31 - 1
   */
  int preparedBytes(int outputs, int inputs);

  /**
   * Writes a weight and its bias, in the kernel's layout, into {@code prepared}.
   *
   * @param weight {@code outputs x inputs} values, row-major (as a {@code Linear} layer stores
   *     them)
   * @param bias {@code outputs} values added to every row, or {@code null} for none
   * @param outputs the weight's rows
   * @param inputs the weight's columns
   * @param prepared a direct buffer of {@link #preparedBytes} bytes, which the caller keeps for
   *     {@link #multiply}
   * @throws IllegalArgumentException when a buffer's size does not match
   */
  void prepare(ByteBuffer weight, ByteBuffer bias, int outputs, int inputs, ByteBuffer prepared);

  /**
   * Computes {@code y = x W^T + b} for {@code rows} rows.
   *
   * @param prepared a weight as {@link #prepare} wrote it, with the same sizes
   * @param outputs the weight's rows
   * @param inputs the weight's columns
   * @param x {@code rows x inputs} values, row-major
   * @param rows the rows of {@code x}
   * @param y receives {@code rows x outputs} values, row-major
   * @throws IllegalArgumentException when a buffer is too small
   */
  void multiply(ByteBuffer prepared, int outputs, int inputs, ByteBuffer x, int rows, ByteBuffer y);

  /** Stops the threads this instance started. */
  @Override
  void close();
}
