package dpo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dpo.api.ConfigurationException;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The provider's check refuses what creating the backend refuses, with the same message. */
class CpuBackendProviderTest {

  @Test
  void theCheckRefusesWhatCreateRefusesWithTheSameMessage() {
    CpuBackendProvider provider = new CpuBackendProvider();
    for (BackendConfig bad :
        List.of(
            new BackendConfig(1).withOption("device", "gpu"),
            new BackendConfig(1).withOption("devise", "cpu"),
            new BackendConfig(1).withOption("kernel", "fast"))) {
      ConfigurationException created =
          assertThrows(ConfigurationException.class, () -> provider.create(bad).close());
      ConfigurationException checked =
          assertThrows(ConfigurationException.class, () -> provider.validate(bad));
      assertEquals(created.violations(), checked.violations());
    }
    assertEquals(
        "device 'gpu': backend cpu computes on the CPU only; use device cpu or auto, or backend"
            + " djl for a GPU",
        assertThrows(
                ConfigurationException.class,
                () -> provider.validate(new BackendConfig(1).withOption("device", "gpu")))
            .getMessage());
    BackendConfig good =
        new BackendConfig(1).withOption("device", "cpu").withOption("kernel", "scalar");
    provider.validate(good);
    try (PolicyBackend backend = provider.create(good)) {
      assertEquals("cpu", backend.id());
    }
  }
}
