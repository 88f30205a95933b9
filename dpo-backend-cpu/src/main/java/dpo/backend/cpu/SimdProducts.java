package dpo.backend.cpu;

import dpo.api.backend.HostProducts;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link HostProducts} on the Vector API. A prepared weight is its bias, padded to whole panels,
 * then the weight in panels of {@link #PANEL} outputs (four vectors), each panel's {@code inputs x
 * PANEL} values contiguous, input by input. The kernel keeps a tile of four rows by one panel in
 * sixteen vector registers and, for each input, loads the panel's four vectors once and adds them
 * times each row's input value (one broadcast): sixteen fused multiply-adds per five loads, where a
 * dot-product layout needs a load per multiply-add. The panels are split over the team's threads
 * ({@link ThreadTeam#split}).
 *
 * <p>Every output is {@code bias + x[0] w[0] + x[1] w[1] + ...} in input order, one fused
 * multiply-add at a time, whatever the rows, tile or thread: the same bits for any batch and thread
 * count.
 *
 * <p>Why by hand: the products of a decoding step have a handful of rows (one per sequence), and
 * the general matrix library under PyTorch runs such thin products far below the machine's speed;
 * no library on Maven Central offers them on prepacked weights. The README's "Generation on the
 * CPU" measures the difference on whole generations.
 *
 * <p>The rows of a product are copied into a Java array (they are small), and the results are
 * gathered in one before they are copied out: storing vectors into the caller's buffer directly ran
 * the kernel about three times slower.
 */
final class SimdProducts implements HostProducts {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();

  /** Outputs per panel: four vectors. */
  static final int PANEL = 4 * LANES;

  private final ThreadTeam team;

  /** The rows of the current product, copied from the caller's buffer, and its results. */
  private float[] rows = new float[0];

  private float[] results = new float[0];

  SimdProducts(int threads) {
    this.team = new ThreadTeam(threads, "dpo-host-products");
  }

  private static int panels(int outputs) {
    return (outputs + PANEL - 1) / PANEL;
  }

  @Override
  public int preparedBytes(int outputs, int inputs) {
    if (outputs < 1 || inputs < 1) {
      throw new IllegalArgumentException("sizes must be positive, got " + outputs + " x " + inputs);
    }
    long floats = (long) panels(outputs) * PANEL * (inputs + 1L);
    if (floats * Float.BYTES > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "a weight of " + outputs + " x " + inputs + " takes more than 2^31 - 1 bytes");
    }
    return (int) floats * Float.BYTES;
  }

  private static void check(ByteBuffer b, long bytes, String what) {
    if (b.capacity() < bytes) {
      throw new IllegalArgumentException(
          what + " has " + b.capacity() + " bytes, fewer than the " + bytes + " needed");
    }
  }

  @Override
  public void prepare(
      ByteBuffer weight, ByteBuffer bias, int outputs, int inputs, ByteBuffer prepared) {
    int size = preparedBytes(outputs, inputs);
    check(weight, (long) outputs * inputs * Float.BYTES, "weight");
    if (bias != null) {
      check(bias, (long) outputs * Float.BYTES, "bias");
    }
    check(prepared, size, "prepared");
    ByteBuffer w = weight.duplicate().order(ORDER);
    ByteBuffer to = prepared.duplicate().order(ORDER);
    int panels = panels(outputs);
    int biasFloats = panels * PANEL;
    ByteBuffer b = bias == null ? null : bias.duplicate().order(ORDER);
    for (int o = 0; o < biasFloats; o++) {
      to.putFloat(o * Float.BYTES, b == null || o >= outputs ? 0f : b.getFloat(o * Float.BYTES));
    }
    team.split(
        panels,
        (from, until) -> {
          for (int panel = from; panel < until; panel++) {
            int base = biasFloats + panel * PANEL * inputs;
            int first = panel * PANEL;
            for (int j = 0; j < PANEL; j++) {
              int row = (first + j) * inputs;
              boolean real = first + j < outputs;
              for (int k = 0; k < inputs; k++) {
                to.putFloat(
                    (base + k * PANEL + j) * Float.BYTES,
                    real ? w.getFloat((row + k) * Float.BYTES) : 0f);
              }
            }
          }
        });
  }

  @Override
  public void multiply(
      ByteBuffer prepared, int outputs, int inputs, ByteBuffer x, int rows, ByteBuffer y) {
    check(prepared, preparedBytes(outputs, inputs), "prepared");
    if (rows < 0) {
      throw new IllegalArgumentException("rows must be >= 0, got " + rows);
    }
    check(x, (long) rows * inputs * Float.BYTES, "x");
    check(y, (long) rows * outputs * Float.BYTES, "y");
    if (rows == 0) {
      return;
    }
    int n = rows * inputs;
    if (this.rows.length < n) {
      this.rows = new float[n];
    }
    float[] in = this.rows;
    x.duplicate().order(ORDER).asFloatBuffer().get(in, 0, n);
    ByteBuffer w = prepared.duplicate().order(ORDER);
    if (results.length < rows * outputs) {
      results = new float[rows * outputs];
    }
    float[] out = results;
    Shape s = new Shape(outputs, inputs, panels(outputs));
    team.split(
        s.panels,
        (from, to) -> {
          for (int panel = from; panel < to; panel++) {
            int row = 0;
            for (; row + 4 <= rows; row += 4) {
              fourRows(s, w, panel, in, row, out);
            }
            for (; row < rows; row++) {
              oneRow(s, w, panel, in, row, out);
            }
          }
        });
    y.duplicate().order(ORDER).asFloatBuffer().put(out, 0, rows * outputs);
  }

  /** A weight's sizes. */
  private static final class Shape {
    final int outputs;
    final int inputs;
    final int panels;

    Shape(int outputs, int inputs, int panels) {
      this.outputs = outputs;
      this.inputs = inputs;
      this.panels = panels;
    }
  }

  private static FloatVector load(ByteBuffer b, int floatIndex) {
    return FloatVector.fromByteBuffer(SPECIES, b, floatIndex * Float.BYTES, ORDER);
  }

  /** Rows {@code row} to {@code row + 3} of one panel. */
  private static void fourRows(Shape s, ByteBuffer w, int panel, float[] x, int row, float[] y) {
    int n = s.inputs;
    int c = panel * PANEL;
    int base = s.panels * PANEL + c * n;
    FloatVector b0 = load(w, c);
    FloatVector b1 = load(w, c + LANES);
    FloatVector b2 = load(w, c + 2 * LANES);
    FloatVector b3 = load(w, c + 3 * LANES);
    FloatVector a00 = b0, a01 = b1, a02 = b2, a03 = b3;
    FloatVector a10 = b0, a11 = b1, a12 = b2, a13 = b3;
    FloatVector a20 = b0, a21 = b1, a22 = b2, a23 = b3;
    FloatVector a30 = b0, a31 = b1, a32 = b2, a33 = b3;
    int x0 = row * n;
    int x1 = x0 + n;
    int x2 = x1 + n;
    int x3 = x2 + n;
    for (int k = 0; k < n; k++) {
      int o = base + k * PANEL;
      FloatVector w0 = load(w, o);
      FloatVector w1 = load(w, o + LANES);
      FloatVector w2 = load(w, o + 2 * LANES);
      FloatVector w3 = load(w, o + 3 * LANES);
      FloatVector v = FloatVector.broadcast(SPECIES, x[x0 + k]);
      a00 = w0.fma(v, a00);
      a01 = w1.fma(v, a01);
      a02 = w2.fma(v, a02);
      a03 = w3.fma(v, a03);
      v = FloatVector.broadcast(SPECIES, x[x1 + k]);
      a10 = w0.fma(v, a10);
      a11 = w1.fma(v, a11);
      a12 = w2.fma(v, a12);
      a13 = w3.fma(v, a13);
      v = FloatVector.broadcast(SPECIES, x[x2 + k]);
      a20 = w0.fma(v, a20);
      a21 = w1.fma(v, a21);
      a22 = w2.fma(v, a22);
      a23 = w3.fma(v, a23);
      v = FloatVector.broadcast(SPECIES, x[x3 + k]);
      a30 = w0.fma(v, a30);
      a31 = w1.fma(v, a31);
      a32 = w2.fma(v, a32);
      a33 = w3.fma(v, a33);
    }
    store(s, y, row, c, a00, a01, a02, a03);
    store(s, y, row + 1, c, a10, a11, a12, a13);
    store(s, y, row + 2, c, a20, a21, a22, a23);
    store(s, y, row + 3, c, a30, a31, a32, a33);
  }

  /** One row of one panel (the rows left after the tiles of four), in the same order. */
  private static void oneRow(Shape s, ByteBuffer w, int panel, float[] x, int row, float[] y) {
    int n = s.inputs;
    int c = panel * PANEL;
    int base = s.panels * PANEL + c * n;
    FloatVector a0 = load(w, c);
    FloatVector a1 = load(w, c + LANES);
    FloatVector a2 = load(w, c + 2 * LANES);
    FloatVector a3 = load(w, c + 3 * LANES);
    int x0 = row * n;
    for (int k = 0; k < n; k++) {
      int o = base + k * PANEL;
      FloatVector v = FloatVector.broadcast(SPECIES, x[x0 + k]);
      a0 = load(w, o).fma(v, a0);
      a1 = load(w, o + LANES).fma(v, a1);
      a2 = load(w, o + 2 * LANES).fma(v, a2);
      a3 = load(w, o + 3 * LANES).fma(v, a3);
    }
    store(s, y, row, c, a0, a1, a2, a3);
  }

  /**
   * One row's outputs {@code c} to {@code c + PANEL - 1}, the last panel's padding left out.
   * Straight-line code on purpose: putting the vectors in an array makes C2 give up its vector
   * intrinsics for the whole kernel, which then runs ten times slower.
   */
  private static void store(
      Shape s,
      float[] y,
      int row,
      int c,
      FloatVector a0,
      FloatVector a1,
      FloatVector a2,
      FloatVector a3) {
    int at = row * s.outputs + c;
    int valid = s.outputs - c;
    put(y, at, valid, a0);
    put(y, at + LANES, valid - LANES, a1);
    put(y, at + 2 * LANES, valid - 2 * LANES, a2);
    put(y, at + 3 * LANES, valid - 3 * LANES, a3);
  }

  /** The first {@code valid} lanes of {@code a} (none when not positive, all when past LANES). */
  private static void put(float[] y, int at, int valid, FloatVector a) {
    if (valid >= LANES) {
      a.intoArray(y, at);
    } else if (valid > 0) {
      a.intoArray(y, at, SPECIES.indexInRange(0, valid));
    }
  }

  @Override
  public void close() {
    team.close();
  }
}
