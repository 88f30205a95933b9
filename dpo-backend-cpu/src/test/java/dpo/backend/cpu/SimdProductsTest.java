package dpo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.backend.HostProducts;
import dpo.api.backend.HostProductsProvider;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ServiceLoader;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link SimdProducts} and its {@link ThreadTeam}: the kernel's order of operations, messages and
 * discovery (the testkit's {@code ShippedHostProductsTest} runs the general contract on it).
 */
class SimdProductsTest {
  private static final int P = SimdProducts.PANEL;

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

  /** A weight prepared by {@code kernel}. */
  private static ByteBuffer prepared(
      HostProducts kernel, float[] w, float[] bias, int outputs, int inputs) {
    ByteBuffer p = ByteBuffer.allocateDirect(kernel.preparedBytes(outputs, inputs));
    kernel.prepare(direct(w), bias == null ? null : direct(bias), outputs, inputs, p);
    return p;
  }

  /** {@code rows} rows of x times a prepared weight. */
  private static float[] times(
      HostProducts kernel, ByteBuffer p, int outputs, int inputs, float[] x, int rows) {
    ByteBuffer y = ByteBuffer.allocateDirect(rows * outputs * Float.BYTES);
    kernel.multiply(p, outputs, inputs, direct(x), rows, y);
    return floats(y, rows * outputs);
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return a;
  }

  /**
   * Every output is the bias plus the products in input order, one fused multiply-add at a time:
   * the kernel's bits equal this scalar loop's, for sizes that leave partial panels, tiles of four
   * rows with rows left over, odd input widths, with and without a bias, on one and three threads.
   */
  @ParameterizedTest
  @CsvSource({
    "1,1,1,true",
    "1,7,1,false",
    "5,37,1,true",
    "9,37,3,false",
    "16,64,2,true",
    "3,1,2,true",
    "6,129,3,true"
  })
  void outputsAreTheBiasPlusTheProductsInInputOrder(
      int rows, int inputs, int threads, boolean withBias) {
    SplittableRandom r = new SplittableRandom(rows * 31L + inputs);
    for (int outputs : new int[] {1, P - 1, P, P + 3, 3 * P + 5}) {
      float[] w = random(r, outputs * inputs);
      float[] bias = withBias ? random(r, outputs) : null;
      float[] x = random(r, rows * inputs);
      float[] expected = new float[rows * outputs];
      for (int i = 0; i < rows; i++) {
        for (int o = 0; o < outputs; o++) {
          float acc = bias == null ? 0f : bias[o];
          for (int k = 0; k < inputs; k++) {
            acc = Math.fma(w[o * inputs + k], x[i * inputs + k], acc);
          }
          expected[i * outputs + o] = acc;
        }
      }
      try (SimdProducts kernel = new SimdProducts(threads)) {
        ByteBuffer p = prepared(kernel, w, bias, outputs, inputs);
        ByteBuffer y = direct(new float[rows * outputs + 3]);
        y.order(ByteOrder.nativeOrder())
            .putFloat(rows * outputs * Float.BYTES, 42f); // never written
        kernel.multiply(p, outputs, inputs, direct(x), rows, y);
        float[] got = floats(y, rows * outputs + 1);
        for (int i = 0; i < expected.length; i++) {
          assertEquals(expected[i], got[i], "output " + i + " of " + outputs + " x " + inputs);
        }
        assertEquals(42f, got[rows * outputs]);
      }
    }
  }

  @Test
  void buffersOfTheWrongSizeAreRefused() {
    try (SimdProducts a = new SimdProducts(1)) {
      ByteBuffer p = ByteBuffer.allocateDirect(a.preparedBytes(2, 3));
      assertEquals(
          "weight has 20 bytes, fewer than the 24 needed",
          assertThrows(
                  IllegalArgumentException.class,
                  () -> a.prepare(direct(new float[5]), null, 2, 3, p))
              .getMessage());
      assertEquals(
          "bias has 4 bytes, fewer than the 8 needed",
          assertThrows(
                  IllegalArgumentException.class,
                  () -> a.prepare(direct(new float[6]), direct(new float[1]), 2, 3, p))
              .getMessage());
      assertThrows(IllegalArgumentException.class, () -> a.preparedBytes(0, 3));
      assertTrue(
          assertThrows(IllegalArgumentException.class, () -> a.preparedBytes(1 << 20, 1 << 12))
              .getMessage()
              .contains("more than 2^31 - 1 bytes"));
      a.prepare(direct(new float[6]), null, 2, 3, p);
      assertEquals(
          "y has 12 bytes, fewer than the 16 needed",
          assertThrows(
                  IllegalArgumentException.class,
                  () -> a.multiply(p, 2, 3, direct(new float[6]), 2, direct(new float[3])))
              .getMessage());
    }
  }

  /** The CPU backend lists its kernel for ServiceLoader, and it runs in this JVM. */
  @Test
  void theProviderIsDiscoveredAndCreatesTheKernel() {
    HostProductsProvider found =
        ServiceLoader.load(HostProductsProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.id().equals("simd"))
            .findFirst()
            .orElseThrow();
    try (HostProducts h = found.create(2).orElseThrow()) {
      ByteBuffer p = prepared(h, new float[] {1, 2, 3, 4}, new float[] {10, 20}, 2, 2);
      assertArrayEquals(new float[] {13, 27}, times(h, p, 2, 2, new float[] {1, 1}, 1));
    }
  }

  /** A split's shares cover the range once, in order, one share per part (some empty). */
  @Test
  void aSplitsSharesCoverTheRangeOnceInOrder() {
    try (ThreadTeam team = new ThreadTeam(3, "test")) {
      for (int count : new int[] {0, 1, 2, 7, 768}) {
        int[][] shares = new int[3][];
        team.split(
            count,
            (from, to) -> {
              for (int p = 0; p < 3; p++) {
                synchronized (shares) {
                  if (shares[p] == null) {
                    shares[p] = new int[] {from, to};
                    break;
                  }
                }
              }
            });
        java.util.Arrays.sort(
            shares,
            java.util.Comparator.comparingInt((int[] r) -> r[0]).thenComparingInt(r -> r[1]));
        int next = 0;
        for (int[] r : shares) {
          assertEquals(next, r[0], "count " + count);
          assertTrue(r[1] >= r[0] && r[1] - r[0] <= count / 3 + 1, "count " + count);
          next = r[1];
        }
        assertEquals(count, next, "count " + count);
      }
    }
  }

  /** Every part of a task runs once per task, and a worker's failure reaches the caller. */
  @Test
  void aTeamRunsEachPartOnceAndPassesOnAFailure() {
    try (ThreadTeam team = new ThreadTeam(3, "test")) {
      AtomicInteger[] counts = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
      for (int i = 0; i < 1000; i++) {
        team.run(part -> counts[part].incrementAndGet());
      }
      for (AtomicInteger c : counts) {
        assertEquals(1000, c.get());
      }
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () ->
                  team.run(
                      part -> {
                        if (part == 2) {
                          throw new IllegalStateException("part 2 failed");
                        }
                      }));
      assertEquals("part 2 failed", e.getMessage());
      team.run(part -> counts[part].incrementAndGet());
      assertEquals(1001, counts[2].get());
    }
  }
}
