package dpo.backend.gpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Whether this machine has an NVIDIA GPU, read from what the kernel driver exposes ({@code
 * /proc/driver/nvidia/gpus/}, {@code /dev/nvidiaN}, or WSL2's {@code /dev/dxg}) without loading
 * CUDA or any DJL class. CUDA sees no device where the driver exposes none, so the answer is known
 * before the engine starts: the provider advertises {@code CUDA} only on a machine with a GPU, and
 * on a machine without one the engine's own CUDA probe (which logs "CUDA driver version is
 * insufficient" wherever a CUDA runtime is installed without a driver) is silenced, because nothing
 * there is a problem.
 */
final class NvidiaGpus {
  /** DJL's CUDA probe; its warnings are meaningless without a GPU. */
  static final String CUDA_PROBE_LOGGER = "ai.djl.util.cuda.CudaUtils";

  private static final Pattern DEVICE = Pattern.compile("nvidia[0-9]+");

  private NvidiaGpus() {}

  /**
   * Whether the driver exposes a GPU and {@code CUDA_VISIBLE_DEVICES} does not hide them all.
   *
   * @return true if CUDA can see a GPU
   */
  static boolean present() {
    String visible = System.getenv("CUDA_VISIBLE_DEVICES");
    if (visible != null && (visible.isBlank() || visible.strip().startsWith("-"))) {
      return false;
    }
    return count(Path.of("/proc/driver/nvidia/gpus"), Path.of("/dev")) > 0
        || Files.exists(Path.of("/dev/dxg"));
  }

  /**
   * GPUs listed by the driver in {@code proc}, else {@code nvidiaN} device files in {@code dev}.
   */
  static int count(Path proc, Path dev) {
    int listed = entries(proc, null);
    return listed > 0 ? listed : entries(dev, DEVICE);
  }

  private static int entries(Path dir, Pattern names) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(dir)) {
      return (int)
          files
              .filter(f -> names == null || names.matcher(f.getFileName().toString()).matches())
              .count();
    } catch (IOException | SecurityException e) {
      return 0;
    }
  }

  /**
   * On a machine without a GPU, keeps DJL's CUDA probe from warning about a missing driver. Call
   * before the first DJL class loads. Sets the level of that one logger for slf4j-simple (the
   * binding the {@code dpo} command ships); with another binding, configure {@value
   * #CUDA_PROBE_LOGGER} there.
   */
  static void quietCudaProbeWithoutGpu() {
    String property = "org.slf4j.simpleLogger.log." + CUDA_PROBE_LOGGER;
    if (!present() && System.getProperty(property) == null) {
      System.setProperty(property, "error");
    }
  }
}
