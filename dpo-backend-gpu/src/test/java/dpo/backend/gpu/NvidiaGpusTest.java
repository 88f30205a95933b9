package dpo.backend.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvidiaGpusTest {

  @Test
  void theDriverListingCountsGpus(@TempDir Path dir) throws Exception {
    Path proc = Files.createDirectories(dir.resolve("proc"));
    Path dev = Files.createDirectories(dir.resolve("dev"));
    assertEquals(0, NvidiaGpus.count(proc, dev));
    Files.createFile(dev.resolve("nvidiactl"));
    Files.createFile(dev.resolve("nvidia-uvm"));
    assertEquals(0, NvidiaGpus.count(proc, dev), "control devices are not GPUs");
    Files.createFile(dev.resolve("nvidia0"));
    Files.createFile(dev.resolve("nvidia1"));
    assertEquals(2, NvidiaGpus.count(proc, dev));
    Files.createDirectories(proc.resolve("0000:3b:00.0"));
    assertEquals(1, NvidiaGpus.count(proc, dev), "the driver's own listing wins");
    assertEquals(0, NvidiaGpus.count(dir.resolve("none"), dir.resolve("none")));
  }
}
