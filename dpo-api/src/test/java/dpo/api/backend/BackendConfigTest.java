package dpo.api.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dpo.api.ConfigurationException;
import org.junit.jupiter.api.Test;

class BackendConfigTest {

  @Test
  void theListedDevicesPassAndAnyOtherNameIsRefusedInOneMessage() {
    for (String device : BackendConfig.DEVICES) {
      assertEquals(device, BackendConfig.checkDevice(device));
    }
    for (String bad : new String[] {"tpu", "GPU", "", "cuda"}) {
      ConfigurationException e =
          assertThrows(ConfigurationException.class, () -> BackendConfig.checkDevice(bad));
      assertEquals("must be auto, cpu or gpu, got '" + bad + "'", e.getMessage());
      assertEquals(BackendConfig.DEVICE, e.violations().get(0).field());
    }
  }
}
