package dpo.backend.gpu;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dpo.api.Capability;
import dpo.api.ConfigurationException;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DJL backend: one device and one root {@link NDManager} shared by everything it creates.
 * Option {@code device}: {@code auto} (default: the first GPU when DJL sees one, else the CPU),
 * {@code cpu} or {@code gpu}.
 */
final class DjlBackend implements PolicyBackend {
  static final String DEVICE = "device";
  private static final Logger LOG = LoggerFactory.getLogger(DjlBackend.class);

  private final Device device;
  private final NDManager manager;

  DjlBackend(BackendConfig config) {
    for (String name : config.options().keySet()) {
      if (!name.equals(DEVICE)) {
        throw new ConfigurationException(
            name, "unknown option '" + name + "' for backend djl; known options: " + DEVICE);
      }
    }
    this.device = device(config.options().getOrDefault(DEVICE, "auto"));
    this.manager = NDManager.newBaseManager(device);
    LOG.info("DJL backend on {} ({} {})", device, Engine.getInstance().getEngineName(),
        Engine.getInstance().getVersion());
  }

  private static Device device(String choice) {
    int gpus = Engine.getInstance().getGpuCount();
    switch (choice) {
      case "auto":
        return gpus > 0 ? Device.gpu() : Device.cpu();
      case "cpu":
        return Device.cpu();
      case "gpu":
        if (gpus == 0) {
          throw new ConfigurationException(
              DEVICE, "device 'gpu' asked for, but DJL sees no CUDA GPU; use device=cpu or auto");
        }
        return Device.gpu();
      default:
        throw new ConfigurationException(
            DEVICE, "device must be auto, cpu or gpu, got '" + choice + "'");
    }
  }

  /** The device every array of this backend lives on. */
  Device device() {
    return device;
  }

  /** The root manager; callers open sub-managers per step so native memory is freed. */
  NDManager manager() {
    return manager;
  }

  @Override
  public String id() {
    return DjlBackendProvider.ID;
  }

  @Override
  public Set<Capability> capabilities() {
    Set<Capability> caps = EnumSet.copyOf(DjlBackendProvider.CAPABILITIES);
    if (!device.isGpu()) {
      caps.remove(Capability.CUDA);
    }
    return caps;
  }

  @Override
  public void close() {
    manager.close();
  }
}
