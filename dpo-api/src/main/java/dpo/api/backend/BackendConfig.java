package dpo.api.backend;

import dpo.api.ConfigurationException;
import java.util.Map;

/**
 * Settings every backend understands, plus backend-specific options.
 *
 * @param threads worker threads; 0 means one per available processor
 * @param options backend-specific settings by name (for example the CPU backend's {@code kernel}:
 *     {@code auto}, {@code simd} or {@code scalar}); a backend rejects names it does not know
 */
public record BackendConfig(int threads, Map<String, String> options) {

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
