package dpo.api.backend;

import dpo.api.ConfigurationException;

/**
 * Settings every backend understands.
 *
 * @param threads worker threads; 0 means one per available processor
 */
public record BackendConfig(int threads) {

  /** Validates the components. */
  public BackendConfig {
    if (threads < 0) {
      throw new ConfigurationException(
          "threads", "threads must be >= 0 (0 = all processors), got " + threads);
    }
  }

  /**
   * The default: all processors.
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
}
