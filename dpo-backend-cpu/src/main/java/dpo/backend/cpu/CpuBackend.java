package dpo.backend.cpu;

import dpo.api.ConfigurationException;
import dpo.api.backend.BackendCapability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.DeviceInfo;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.TabularPolicies;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;

/**
 * The CPU backend: one worker pool shared by the policies it creates, and one exact-step kernel.
 * Option {@code kernel}: {@code auto} (default: SIMD when the Vector API module is present), {@code
 * simd} or {@code scalar}. Option {@code device}: {@code auto} or {@code cpu}, the only device it
 * computes on.
 */
final class CpuBackend implements PolicyBackend, TabularPolicies {
  static final String KERNEL = "kernel";
  static final String DEVICE = BackendConfig.DEVICE;
  private static final String VECTOR_MODULE = "jdk.incubator.vector";

  private final ForkJoinPool pool;
  private final ExactKernel kernel;

  CpuBackend(BackendConfig config) {
    validate(config);
    this.kernel = kernel(config.options().getOrDefault(KERNEL, "auto"));
    this.pool = new ForkJoinPool(config.effectiveThreads());
  }

  /**
   * Checks the options as creating the backend does, without creating it: the option names, the
   * device and the kernel.
   *
   * @param config the settings
   * @throws ConfigurationException naming the option refused
   */
  static void validate(BackendConfig config) {
    for (String name : config.options().keySet()) {
      if (!name.equals(KERNEL) && !name.equals(DEVICE)) {
        throw new ConfigurationException(
            name,
            "unknown option '"
                + name
                + "' for backend cpu; known options: "
                + KERNEL
                + ", "
                + DEVICE);
      }
    }
    String device = config.options().getOrDefault(DEVICE, BackendConfig.AUTO);
    if (!device.equals(BackendConfig.AUTO) && !device.equals("cpu")) {
      throw new ConfigurationException(
          DEVICE,
          "device '"
              + device
              + "': backend cpu computes on the CPU only; use device cpu or auto, or backend djl"
              + " for a GPU");
    }
    kernelChoice(config.options().getOrDefault(KERNEL, "auto"));
  }

  /** Whether the Vector API can be used by this JVM. */
  static boolean vectorApiPresent() {
    return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
  }

  private static ExactKernel kernel(String choice) {
    return kernelChoice(choice).equals("simd") ? simd() : new ScalarKernel();
  }

  /** The kernel a {@code kernel} option picks here, "simd" or "scalar", or why it cannot. */
  private static String kernelChoice(String choice) {
    switch (choice) {
      case "scalar":
        return "scalar";
      case "simd":
        if (!vectorApiPresent()) {
          throw new ConfigurationException(
              KERNEL,
              "kernel 'simd' needs the "
                  + VECTOR_MODULE
                  + " module; run java with --add-modules "
                  + VECTOR_MODULE
                  + " (./dpo does) or use kernel 'scalar'");
        }
        return "simd";
      case "auto":
        return vectorApiPresent() ? "simd" : "scalar";
      default:
        throw new ConfigurationException(
            KERNEL, "kernel must be auto, simd or scalar, got '" + choice + "'");
    }
  }

  /** Loaded by name so that this class never links against the incubator module. */
  private static ExactKernel simd() {
    try {
      return (ExactKernel)
          Class.forName("dpo.backend.cpu.SimdKernel").getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new IllegalStateException("cannot load the SIMD kernel: " + e, e);
    }
  }

  /** The kernel in use, "simd" or "scalar". */
  String kernelName() {
    return kernel.name();
  }

  @Override
  public String id() {
    return CpuBackendProvider.ID;
  }

  @Override
  public Set<BackendCapability> capabilities() {
    return CpuBackendProvider.CAPABILITIES;
  }

  /** The CPU, its worker threads and the exact-step kernel (SIMD or scalar) on this JVM. */
  @Override
  public DeviceInfo device() {
    return new DeviceInfo(
        "cpu (" + pool.getParallelism() + " threads)",
        "Java, " + kernel.name() + " kernel",
        Runtime.version().toString());
  }

  @Override
  public Optional<TabularPolicies> tabularPolicies() {
    return Optional.of(this);
  }

  @Override
  public TabularPolicy newTabularPolicy(TabularProblem problem) {
    if (pool.isShutdown()) {
      throw new IllegalStateException(
          "the cpu backend is closed; create a new one with its provider");
    }
    return new CpuTabularPolicy(problem, pool, kernel);
  }

  @Override
  public void close() {
    pool.shutdown();
  }
}
