package dpo.datasets.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IndexPermutationTest {

  @Test
  void isABijectionForAwkwardSizes() {
    for (int size : new int[] {1, 2, 3, 5, 17, 1000, 19_584}) {
      IndexPermutation permutation = new IndexPermutation(size, 42);
      boolean[] hit = new boolean[size];
      for (int i = 0; i < size; i++) {
        int j = permutation.apply(i);
        assertTrue(j >= 0 && j < size);
        assertTrue(!hit[j], "size " + size + ": " + j + " hit twice");
        hit[j] = true;
      }
    }
  }

  @Test
  void seedsGiveDifferentOrdersThatLookShuffled() {
    List<Integer> a = new ArrayList<>();
    List<Integer> b = new ArrayList<>();
    IndexPermutation first = new IndexPermutation(1000, 1);
    IndexPermutation second = new IndexPermutation(1000, 2);
    int fixedPoints = 0;
    for (int i = 0; i < 1000; i++) {
      a.add(first.apply(i));
      b.add(second.apply(i));
      fixedPoints += first.apply(i) == i ? 1 : 0;
    }
    assertNotEquals(a, b);
    // A random permutation has about one fixed point; the identity would have 1000.
    assertTrue(fixedPoints < 10, "fixed points: " + fixedPoints);
    assertEquals(a.get(123), new IndexPermutation(1000, 1).apply(123));
  }

  @Test
  void rejectsIndicesOutOfRange() {
    assertThrows(IndexOutOfBoundsException.class, () -> new IndexPermutation(10, 0).apply(10));
  }
}
