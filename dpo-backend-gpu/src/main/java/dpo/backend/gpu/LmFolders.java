package dpo.backend.gpu;

import dpo.api.backend.BackendConfig;
import dpo.api.lm.GenerationConfig;
import dpo.backend.gpu.lm.CheckpointFormat;
import dpo.backend.gpu.lm.Checkpoints;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of the {@code dpo lm} commands: a djl backend with checkpoint folders loaded on it.
 */
public final class LmFolders implements AutoCloseable {
  private final DjlBackend backend;
  private final List<Checkpoints.Folder> folders = new ArrayList<>();

  /**
   * Opens a backend and loads folders on it.
   *
   * @param config backend options (device, threads)
   * @param directories checkpoint folders
   */
  public LmFolders(BackendConfig config, List<Path> directories) {
    DjlOffline.enforce();
    this.backend = new DjlBackend(config);
    try {
      for (Path d : directories) {
        folders.add(Checkpoints.Folder.load(backend.manager(), d));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

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

  /**
   * The loaded folders, in the order given.
   *
   * @return them
   */
  public List<Checkpoints.Folder> folders() {
    return folders;
  }

  /**
   * Generation from a logit mixture of the loaded folders.
   *
   * @param weights one weight per folder
   * @param prompts prompt texts
   * @param config sampling settings
   * @return completions
   */
  public List<String> generate(double[] weights, List<String> prompts, GenerationConfig config) {
    return Checkpoints.generate(backend.manager(), folders, weights, prompts, config);
  }

  /**
   * The device the models run on.
   *
   * @return its name
   */
  public String device() {
    return backend.manager().getDevice().toString();
  }

  @Override
  public void close() {
    folders.forEach(Checkpoints.Folder::close);
    backend.close();
  }
}
