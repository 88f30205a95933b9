package dpo.api.backend;

import java.util.Objects;

/**
 * Where a backend computes and with what, as provenance records it.
 *
 * @param device the device actually used, e.g. {@code cpu} or {@code gpu(0)}
 * @param engine the numerical engine, e.g. {@code PyTorch (DJL 0.36.0)} or {@code Java Vector API}
 * @param engineVersion the engine's version, e.g. {@code 2.7.1}, or the Java version for engines
 *     written in Java
 */
public record DeviceInfo(String device, String engine, String engineVersion) {

  /** Checks that no component is null. */
  public DeviceInfo {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(engineVersion, "engineVersion");
  }

  @Override
  public String toString() {
    return device + " (" + engine + " " + engineVersion + ")";
  }
}
