package dpo.api.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link SaveFormat}: sizes and dtypes parse as {@code transformers} writes them. */
class SaveFormatTest {
  @Test
  void sizesParseAsTransformersWritesThem() {
    assertEquals(2_000_000_000L, SaveFormat.parseSize("maxShardSize", "2GB"));
    assertEquals(500_000_000L, SaveFormat.parseSize("maxShardSize", "500MB"));
    assertEquals(1L << 30, SaveFormat.parseSize("maxShardSize", "1GiB"));
    assertEquals(1536L << 20, SaveFormat.parseSize("maxShardSize", "1.5gib"));
    assertEquals(123, SaveFormat.parseSize("maxShardSize", "123"));
    for (String bad : List.of("2 gigs", "", "0", "-1GB")) {
      ConfigurationException e =
          assertThrows(
              ConfigurationException.class, () -> SaveFormat.parseSize("maxShardSize", bad));
      assertEquals("maxShardSize", e.violations().get(0).field(), e.getMessage());
      assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
  }

  @Test
  void dtypesParseByTheirCommonNames() {
    assertEquals(SaveFormat.WeightType.BFLOAT16, SaveFormat.parseWeights("dtype", "bf16"));
    assertEquals(SaveFormat.WeightType.BFLOAT16, SaveFormat.parseWeights("dtype", "BFloat16"));
    assertEquals(SaveFormat.WeightType.FLOAT32, SaveFormat.parseWeights("dtype", "fp32"));
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> SaveFormat.parseWeights("dtype", "int8"));
    assertEquals("dtype", e.violations().get(0).field());
    assertTrue(e.getMessage().contains("bfloat16"), e.getMessage());
  }

  @Test
  void aShardHoldsAtLeastOneByte() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class, () -> new SaveFormat(SaveFormat.WeightType.FLOAT32, 0));
    assertEquals("maxShardBytes", e.violations().get(0).field());
  }
}
