package dpo.backend.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DjlOfflineTest {

  @Test
  void theBuildRunsTestsOffline() {
    // Set by surefire's argLine and environment in the parent pom, as the launcher does.
    assertTrue(DjlOffline.inForce(), "surefire must start test JVMs with DJL offline");
  }

  @Test
  void enforceOverridesAnEarlierValue() {
    String before = System.getProperty(DjlOffline.OFFLINE);
    try {
      System.setProperty(DjlOffline.OFFLINE, "false");
      assertFalse(DjlOffline.inForce());
      DjlOffline.enforce();
      assertEquals("true", System.getProperty(DjlOffline.OFFLINE));
      assertTrue(DjlOffline.inForce());
    } finally {
      System.setProperty(DjlOffline.OFFLINE, before == null ? "true" : before);
    }
  }
}
