package dpo.backend.gpu;

import dpo.api.backend.BackendConfig;
import dpo.backend.gpu.lm.CheckpointFormat;
import dpo.backend.gpu.lm.Checkpoints;
import java.nio.file.Path;

/** Checkpoint folders rewritten on a backend of their own. */
public final class LmFolders {
  private LmFolders() {}

  /**
   * Rewrites a checkpoint folder in another dtype or shard size (see {@link Checkpoints#convert}),
   * on a backend of its own.
   *
   * @param config backend options (device, threads)
   * @param source the checkpoint folder to read
   * @param target the folder to write
   * @param format the weights' dtype and largest shard
   */
  public static void convert(
      BackendConfig config, Path source, Path target, CheckpointFormat format) {
    DjlOffline.enforce();
    try (DjlBackend backend = new DjlBackend(config)) {
      Checkpoints.convert(backend.manager(), source, target, format);
    }
  }
}
