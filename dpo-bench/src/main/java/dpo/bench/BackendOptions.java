package dpo.bench;

import dpo.api.backend.BackendConfig;
import dpo.core.bandit.BanditOptions;
import picocli.CommandLine.Option;

/**
 * The options of every command that runs a backend, with one default and one description each:
 * {@code --device} and {@code --threads}. Used as a picocli {@code @Mixin}; {@link #config()} turns
 * them into the {@link BackendConfig} the backend is created with.
 */
final class BackendOptions {
  /** The device a backend picks by itself: a GPU when one is present, else the CPU. */
  static final String AUTO = BanditOptions.DEVICE;

  @Option(
      names = "--device",
      paramLabel = "auto|cpu|gpu",
      defaultValue = AUTO,
      description =
          "Where the backend computes: auto (a GPU when the machine has one, else the CPU), cpu"
              + " or gpu (default: ${DEFAULT-VALUE}). The cpu backend computes on the CPU only;"
              + " the device actually used is logged once, and recorded in run.json by the commands"
              + " that write one.")
  String device = AUTO;

  @Option(
      names = "--threads",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Threads of the backend: worker threads of the cpu backend, PyTorch's intra-op threads"
              + " of djl; 0 for the backend's default, one per processor (default: ${DEFAULT-VALUE}).")
  int threads;

  /**
   * The backend settings these options ask for. The device reaches the backend as its {@code
   * device} option only when it is not {@value #AUTO}, which every backend does by default.
   *
   * @return the config
   * @throws dpo.api.ConfigurationException naming {@code threads} if it is negative
   */
  BackendConfig config() {
    return BanditOptions.backendConfig(threads, device);
  }
}
