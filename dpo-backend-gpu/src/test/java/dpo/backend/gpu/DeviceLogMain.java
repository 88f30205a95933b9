package dpo.backend.gpu;

import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;

/**
 * Child JVM of {@link DeviceLogTest}: creates two djl backends and prints their device. With {@code
 * --loud}, DJL's CUDA probe keeps its warnings (the control).
 */
public final class DeviceLogMain {
  private DeviceLogMain() {}

  /**
   * Runs the check.
   *
   * @param args {@code --loud} for the control
   */
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("--loud")) {
      System.setProperty("org.slf4j.simpleLogger.log." + NvidiaGpus.CUDA_PROBE_LOGGER, "warn");
    }
    System.setProperty("org.slf4j.simpleLogger.log.dpo", "info");
    DjlBackendProvider provider = new DjlBackendProvider();
    try (PolicyBackend first = provider.create(BackendConfig.defaults());
        PolicyBackend second = provider.create(BackendConfig.defaults())) {
      System.out.println("device=" + first.device().device() + " " + second.device().device());
    }
  }
}
