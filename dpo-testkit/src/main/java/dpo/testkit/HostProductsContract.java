package dpo.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.backend.HostProducts;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The contract of a {@link HostProducts} kernel. Extend it in your own test sources:
 *
 * <pre>{@code
 * class MyProductsTest extends HostProductsContract {
 *   @Override
 *   protected HostProducts products(int threads) {
 *     return new MyProducts(threads);
 *   }
 * }
 * }</pre>
 *
 * <p>It checks the products against a double-precision computation of its own, to the rounding
 * error that float sums in any order stay within ({@code (inputs + 2) 2^-23} of the sum of the
 * terms' magnitudes), for outputs 1 to 200 wide, rows 1 to 9, odd input widths, with and without a
 * bias; that a row's outputs have the same bits alone and in a batch, on one thread and on three;
 * that nothing past the outputs is written; and that buffers too small are refused with {@link
 * IllegalArgumentException}.
 */
public abstract class HostProductsContract {

  /**
   * A fresh kernel splitting each product over {@code threads} threads; the contract closes it.
   *
   * @param threads threads per product
   * @return the kernel under test
   */
  protected abstract HostProducts products(int threads);

  /** Creates the contract. */
  protected HostProductsContract() {}

  private static ByteBuffer direct(float[] values) {
    ByteBuffer b =
        ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.nativeOrder());
    b.asFloatBuffer().put(values);
    return b;
  }

  private static float[] floats(ByteBuffer b, int n) {
    float[] a = new float[n];
    b.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer().get(a);
    return a;
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return a;
  }

  private static ByteBuffer prepare(
      HostProducts h, float[] weight, float[] bias, int outputs, int inputs) {
    ByteBuffer p = ByteBuffer.allocateDirect(h.preparedBytes(outputs, inputs));
    h.prepare(direct(weight), bias == null ? null : direct(bias), outputs, inputs, p);
    return p;
  }

  /** The products match a double-precision sum to float rounding, shape by shape. */
  @Test
  void productsMatchADoublePrecisionReference() {
    SplittableRandom r = new SplittableRandom(11);
    int[][] rowsAndInputs = {{1, 1}, {1, 7}, {5, 37}, {9, 64}, {4, 129}};
    int[] outputs = {1, 3, 15, 17, 33, 64, 70, 200};
    try (HostProducts h = products(2)) {
      for (int[] ri : rowsAndInputs) {
        int rows = ri[0];
        int inputs = ri[1];
        for (int out : outputs) {
          boolean withBias = (out + rows) % 2 == 0;
          float[] w = random(r, out * inputs);
          float[] bias = withBias ? random(r, out) : null;
          float[] x = random(r, rows * inputs);
          ByteBuffer y = direct(new float[rows * out]);
          h.multiply(prepare(h, w, bias, out, inputs), out, inputs, direct(x), rows, y);
          float[] got = floats(y, rows * out);
          for (int i = 0; i < rows; i++) {
            for (int o = 0; o < out; o++) {
              double sum = bias == null ? 0 : bias[o];
              double scale = Math.abs(sum);
              for (int k = 0; k < inputs; k++) {
                sum += (double) w[o * inputs + k] * x[i * inputs + k];
                scale += Math.abs((double) w[o * inputs + k] * x[i * inputs + k]);
              }
              assertEquals(
                  sum,
                  got[i * out + o],
                  (inputs + 2) * 0x1p-23 * scale,
                  "row " + i + ", output " + o + " of " + rows + " x " + inputs + " -> " + out);
            }
          }
        }
      }
    }
  }

  /** A row's outputs do not depend on the other rows of its batch, nor on the thread count. */
  @Test
  void aRowsBitsDependOnNeitherItsBatchNorTheThreads() {
    SplittableRandom r = new SplittableRandom(3);
    int outputs = 203;
    int inputs = 96;
    int rows = 11;
    float[] w = random(r, outputs * inputs);
    float[] bias = random(r, outputs);
    float[] x = random(r, rows * inputs);
    float[] batch;
    try (HostProducts h = products(2)) {
      ByteBuffer y = direct(new float[rows * outputs]);
      h.multiply(prepare(h, w, bias, outputs, inputs), outputs, inputs, direct(x), rows, y);
      batch = floats(y, rows * outputs);
    }
    for (int threads : new int[] {1, 3}) {
      try (HostProducts h = products(threads)) {
        ByteBuffer p = prepare(h, w, bias, outputs, inputs);
        for (int i = 0; i < rows; i++) {
          float[] row = new float[inputs];
          System.arraycopy(x, i * inputs, row, 0, inputs);
          ByteBuffer y = direct(new float[outputs]);
          h.multiply(p, outputs, inputs, direct(row), 1, y);
          float[] inBatch = new float[outputs];
          System.arraycopy(batch, i * outputs, inBatch, 0, outputs);
          assertArrayEquals(
              inBatch, floats(y, outputs), "row " + i + " on " + threads + " threads");
        }
      }
    }
  }

  /** Values of {@code y} past the outputs keep what they held. */
  @Test
  void nothingPastTheOutputsIsWritten() {
    try (HostProducts h = products(2)) {
      float[] past = new float[5 * 3 + 4];
      java.util.Arrays.fill(past, 42f);
      ByteBuffer y = direct(past);
      SplittableRandom r = new SplittableRandom(5);
      h.multiply(prepare(h, random(r, 3 * 8), null, 3, 8), 3, 8, direct(random(r, 5 * 8)), 5, y);
      float[] got = floats(y, past.length);
      for (int i = 15; i < past.length; i++) {
        assertEquals(42f, got[i], "value " + i);
      }
    }
  }

  /** Sizes that are not positive and buffers too small are refused. */
  @Test
  void badSizesAndSmallBuffersAreRefused() {
    try (HostProducts h = products(1)) {
      assertThrows(IllegalArgumentException.class, () -> h.preparedBytes(0, 3));
      assertThrows(IllegalArgumentException.class, () -> h.preparedBytes(2, -1));
      assertThrows(IllegalArgumentException.class, () -> h.preparedBytes(1 << 20, 1 << 12));
      ByteBuffer p = ByteBuffer.allocateDirect(h.preparedBytes(2, 3));
      assertThrows(
          IllegalArgumentException.class, () -> h.prepare(direct(new float[5]), null, 2, 3, p));
      assertThrows(
          IllegalArgumentException.class,
          () -> h.prepare(direct(new float[6]), direct(new float[1]), 2, 3, p));
      assertThrows(
          IllegalArgumentException.class,
          () -> h.prepare(direct(new float[6]), null, 2, 3, ByteBuffer.allocateDirect(4)));
      h.prepare(direct(new float[6]), null, 2, 3, p);
      assertThrows(
          IllegalArgumentException.class,
          () -> h.multiply(p, 2, 3, direct(new float[5]), 2, direct(new float[4])));
      assertThrows(
          IllegalArgumentException.class,
          () -> h.multiply(p, 2, 3, direct(new float[6]), 2, direct(new float[3])));
      assertTrue(h.preparedBytes(2, 3) >= 2 * 3 * Float.BYTES);
    }
  }
}
