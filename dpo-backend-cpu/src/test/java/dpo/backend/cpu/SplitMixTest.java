package dpo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** SplitMix against the JDK's SplittableRandom: the same children, draws and parent state. */
class SplitMixTest {

  @Test
  void drawsAreThoseOfTheSplitChildAndTheParentAdvancesAsSplitDoes() {
    SplittableRandom seeds = new SplittableRandom(2026);
    for (int trial = 0; trial < 500; trial++) {
      long seed = seeds.nextLong();
      SplittableRandom jdk = new SplittableRandom(seed);
      SplittableRandom ours = new SplittableRandom(seed);
      SplitMix mix = new SplitMix();
      for (int child = 0; child < 4; child++) {
        SplittableRandom expected = jdk.split();
        mix.splitFrom(ours);
        for (int i = 0; i < 40; i++) {
          if (i % 2 == 0) {
            assertEquals(expected.nextLong(), mix.nextLong());
          } else {
            assertEquals(expected.nextDouble(), mix.nextDouble(), 0.0);
          }
        }
      }
      assertEquals(jdk.nextLong(), ours.nextLong());
    }
  }

  @Test
  void unmixInvertsMix() {
    SplittableRandom r = new SplittableRandom(5);
    for (int i = 0; i < 10_000; i++) {
      long z = r.nextLong();
      assertEquals(z, SplitMix.unmix64(SplitMix.mix64(z)));
    }
    assertEquals(0L, SplitMix.unmix64(SplitMix.mix64(0L)));
  }
}
