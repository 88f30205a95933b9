package dpo.api.backend;

import dpo.api.ConfigurationException;
import java.util.List;
import java.util.Map;

/**
 * Settings every backend understands, plus backend-specific options.
 *
 * @param threads worker threads; 0 means one per available processor
 * @param options backend-specific settings by name (for example the CPU backend's {@code kernel}:
 *     {@code auto}, {@code simd} or {@code scalar}); a backend rejects names it does not know
 */
public record BackendConfig(int threads, Map<String, String> options) {
  /** The name of the option that says where a backend computes: one of {@link #DEVICES}. */
  public static final String DEVICE = "device";

  /** The device every backend picks by default: a GPU when one is present, else the CPU. */
  public static final String AUTO = "auto";

  /**
   * The devices a {@link #DEVICE} option may name: {@value #AUTO}, {@code cpu} and {@code gpu}. A
   * backend may refuse one it cannot compute on (the cpu backend refuses {@code gpu}).
   */
  public static final List<String> DEVICES = List.of(AUTO, "cpu", "gpu");

  /**
   * Validates the components and copies the options.
   *
   * @param threads worker threads; 0 means one per available processor
   * @param options backend-specific settings by name (for example the CPU backend's {@code kernel}:
   *     {@code auto}, {@code simd} or {@code scalar}); a backend rejects names it does not know
   */
  public BackendConfig {
    if (threads < 0) {
      throw new ConfigurationException(
          "threads", "threads must be >= 0 (0 = all processors), got " + threads);
    }
    options = Map.copyOf(options);
  }

  /**
   * Checks a device name against {@link #DEVICES}; the one check of the command line, a sweep's
   * grid and the backends.
   *
   * @param device the name
   * @return the name
   * @throws ConfigurationException (field {@value #DEVICE}) "must be auto, cpu or gpu, got 'X'"
   */
  public static String checkDevice(String device) {
    if (!DEVICES.contains(device)) {
      int last = DEVICES.size() - 1;
      throw new ConfigurationException(
          DEVICE,
          "must be "
              + String.join(", ", DEVICES.subList(0, last))
              + " or "
              + DEVICES.get(last)
              + ", got '"
              + device
              + "'");
    }
    return device;
  }

  /**
   * A config without backend-specific options.
   *
   * @param threads worker threads, 0 for all processors
   */
  public BackendConfig(int threads) {
    this(threads, Map.of());
  }

  /**
   * The default: all processors, no options.
   *
   * @return the config
   */
  public static BackendConfig defaults() {
    return new BackendConfig(0);
  }

  /**
   * The number of threads to use on this machine.
   *
   * @return {@code threads}, or the processor count when it is 0
   */
  public int effectiveThreads() {
    return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
  }

  /**
   * This config with one more option.
   *
   * @param name the option name
   * @param value its value
   * @return a copy
   */
  public BackendConfig withOption(String name, String value) {
    Map<String, String> copy = new java.util.HashMap<>(options);
    copy.put(name, value);
    return new BackendConfig(threads, copy);
  }
}
