package dpo.api.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class HeldOutTest {

  private static int count(boolean[] held) {
    int c = 0;
    for (boolean b : held) {
      c += b ? 1 : 0;
    }
    return c;
  }

  @Test
  void holdsOutExactlyTheAskedNumberTheSameForTheSameSeed() {
    for (int held = 0; held <= 20; held++) {
      boolean[] a = HeldOut.draw(20, held, 7);
      assertEquals(20, a.length);
      assertEquals(held, count(a));
      assertArrayEquals(a, HeldOut.draw(20, held, 7));
    }
    assertFalse(Arrays.equals(HeldOut.draw(1000, 100, 7), HeldOut.draw(1000, 100, 8)));
  }

  @Test
  void everyExampleIsHeldOutAboutAsOften() {
    int n = 10;
    int[] times = new int[n];
    int draws = 20_000;
    for (int seed = 0; seed < draws; seed++) {
      boolean[] held = HeldOut.draw(n, 3, seed);
      for (int i = 0; i < n; i++) {
        times[i] += held[i] ? 1 : 0;
      }
    }
    // Expected 0.3 * draws = 6,000 each; sd about sqrt(20000 * 0.3 * 0.7) = 65.
    for (int i = 0; i < n; i++) {
      assertEquals(6000, times[i], 400, "example " + i);
    }
  }
}
