package dpo.backend.gpu.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bfloat16 as PyTorch rounds it, and files written in it read back to that rounding. */
class Bfloat16WriteTest {
  private static float widen(short bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }

  @Test
  void roundsToNearestWithTiesToEven() {
    assertEquals((short) 0x3f80, SafeTensors.toBfloat16(1f));
    // 1 + 2^-8 lies halfway between 1 (even) and 1 + 2^-7: it goes to 1.
    assertEquals((short) 0x3f80, SafeTensors.toBfloat16(1 + 0x1p-8f));
    // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): it goes up.
    assertEquals((short) 0x3f82, SafeTensors.toBfloat16(1 + 3 * 0x1p-8f));
    // Just above the half-way point rounds up, where truncation would not.
    assertEquals((short) 0x3f81, SafeTensors.toBfloat16(1 + 0x1p-8f + 0x1p-20f));
    assertEquals((short) 0xbf81, SafeTensors.toBfloat16(-(1 + 0x1p-8f + 0x1p-20f)));
    assertEquals(Float.POSITIVE_INFINITY, widen(SafeTensors.toBfloat16(Float.MAX_VALUE)));
    assertEquals(Float.NEGATIVE_INFINITY, widen(SafeTensors.toBfloat16(Float.NEGATIVE_INFINITY)));
    assertTrue(Float.isNaN(widen(SafeTensors.toBfloat16(Float.NaN))));
    assertEquals(0f, widen(SafeTensors.toBfloat16(0f)));
    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; i < 100_000; i++) {
      float x = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(-30, 30)));
      float y = widen(SafeTensors.toBfloat16(x));
      assertTrue(Math.abs(x - y) <= Math.abs(x) * 0x1p-8f, x + " became " + y);
      // No other bfloat16 value is nearer.
      float up = widen((short) ((SafeTensors.toBfloat16(x) & 0xffff) + 1));
      float down = widen((short) ((SafeTensors.toBfloat16(x) & 0xffff) - 1));
      assertTrue(Math.abs(x - y) <= Math.abs(x - up) && Math.abs(x - y) <= Math.abs(x - down));
    }
  }

  @Test
  void aBf16FileReadsBackAsTheRoundedValues(@TempDir Path dir) {
    SplittableRandom r = new SplittableRandom(4);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    // Larger than one write chunk (4 MiB of bf16), to cross a chunk boundary.
    for (int[] shape : List.of(new int[] {3, 5}, new int[] {2_100_000}, new int[] {7})) {
      int n = 1;
      for (int d : shape) {
        n *= d;
      }
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = (float) r.nextGaussian();
      }
      long[] s = new long[shape.length];
      for (int i = 0; i < s.length; i++) {
        s[i] = shape[i];
      }
      tensors.put("t" + tensors.size(), new Tensor(s, v));
    }
    Path file = dir.resolve("w.safetensors");
    SafeTensors.write(file, tensors, Map.of("format", "pt"), DType.BF16);
    Map<String, Tensor> back = SafeTensors.read(file);
    assertEquals(tensors.keySet(), back.keySet());
    for (String name : tensors.keySet()) {
      float[] a = tensors.get(name).data();
      float[] b = back.get(name).data();
      assertEquals(a.length, b.length);
      for (int i = 0; i < a.length; i++) {
        assertEquals(widen(SafeTensors.toBfloat16(a[i])), b[i], name + "[" + i + "]");
      }
    }
    for (SafeTensors.Entry e : SafeTensors.header(file)) {
      assertEquals(DType.BF16, e.dtype());
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> SafeTensors.write(dir.resolve("x.safetensors"), tensors, Map.of(), DType.F16));
  }
}
