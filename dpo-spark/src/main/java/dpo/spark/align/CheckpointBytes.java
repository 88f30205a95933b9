package dpo.spark.align;

import dpo.api.io.DurableFiles;
import dpo.api.lm.LanguageModel;
import dpo.core.provenance.Provenance;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A model's checkpoint folder as bytes (file name to content) and their SHA-256: what the driver
 * broadcasts, once per distinct model, and each executor writes back into a folder to load.
 */
final class CheckpointBytes implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String sha256;
  private final TreeMap<String, byte[]> files;

  private CheckpointBytes(String sha256, TreeMap<String, byte[]> files) {
    this.sha256 = sha256;
    this.files = files;
  }

  /**
   * Saves a model into a scratch folder and reads the folder back.
   *
   * @param model the model, not changed
   * @param scratch a folder to save into (deleted afterwards)
   * @return the bytes
   */
  static CheckpointBytes of(LanguageModel model, Path scratch) {
    model.save(scratch);
    try {
      TreeMap<String, byte[]> files = new TreeMap<>();
      try (Stream<Path> all = Files.list(scratch)) {
        for (Path f : all.filter(Files::isRegularFile).toList()) {
          files.put(f.getFileName().toString(), Files.readAllBytes(f));
        }
      }
      if (!files.containsKey("tokenizer.json")) {
        throw new IllegalStateException(
            "the spark engine sends the model to its executors as a checkpoint folder, and that"
                + " folder has no tokenizer.json to decode responses with; start from a checkpoint"
                + " that has one (every model dpo align loads or trains has)");
      }
      String sha = Provenance.folderSha256(scratch);
      delete(scratch);
      return new CheckpointBytes(sha, files);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the saved model in " + scratch, e);
    }
  }

  /**
   * Reads a checkpoint folder: every regular file under it, by its path relative to the folder.
   *
   * @param folder the folder, not changed
   * @return the bytes, keyed by the folder's {@link Provenance#folderSha256}
   */
  static CheckpointBytes ofFolder(Path folder) {
    try (Stream<Path> all = Files.walk(folder)) {
      TreeMap<String, byte[]> files = new TreeMap<>();
      for (Path f : all.filter(Files::isRegularFile).toList()) {
        files.put(folder.relativize(f).toString(), Files.readAllBytes(f));
      }
      return new CheckpointBytes(Provenance.folderSha256(folder), files);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the model folder " + folder, e);
    }
  }

  /** The SHA-256 of the checkpoint's files. */
  String sha256() {
    return sha256;
  }

  /** Total size of the files in bytes. */
  long size() {
    return files.values().stream().mapToLong(b -> b.length).sum();
  }

  /**
   * Writes the files into {@code parent/SHA} unless that folder is there already; published whole,
   * so that concurrent tasks of one executor never see half a folder.
   *
   * @param parent the folder of the executor's checkpoints
   * @return the checkpoint folder
   */
  Path materialise(Path parent) {
    Path dir = parent.resolve(sha256);
    if (Files.isDirectory(dir)) {
      return dir;
    }
    synchronized (CheckpointBytes.class) {
      if (Files.isDirectory(dir)) {
        return dir;
      }
      Path staging = DurableFiles.stagingFolder(dir);
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        DurableFiles.write(staging.resolve(f.getKey()), f.getValue());
      }
      DurableFiles.publishFolder(staging, dir);
      return dir;
    }
  }

  static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
