package dpo.core.align;

import dpo.api.backend.BackendConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Creates a {@link GenerationEngine} other than {@code local}; found with {@link
 * java.util.ServiceLoader}, so that a module such as dpo-spark adds an engine by being on the class
 * path. Constructing a provider is cheap; {@link #create} starts whatever the engine needs.
 */
public interface GenerationEngineProvider {

  /**
   * The engine's id, as {@code dpo align --engine} names it.
   *
   * @return e.g. {@code spark}
   */
  String id();

  /**
   * Starts an engine.
   *
   * @param setup what an engine needs to rebuild the backend and the oracle where it runs
   * @return the engine, which the caller closes
   */
  GenerationEngine create(Setup setup);

  /**
   * What an engine needs to draw and score away from the loop's JVM: the backend and the oracle by
   * id and options (each worker creates its own), where it may write its logs, and its own options.
   *
   * @param backend the backend id (with language models)
   * @param backendConfig the backend's settings
   * @param oracle the oracle id
   * @param oracleOptions the oracle's options
   * @param oracleSeed the oracle's seed
   * @param master where the engine runs (for spark: {@code local[N]}, {@code local[*]} or {@code
   *     spark://HOST:PORT}); null for the engine's default
   * @param logDirectory a folder for the engine's log file
   */
  record Setup(
      String backend,
      BackendConfig backendConfig,
      String oracle,
      Map<String, String> oracleOptions,
      long oracleSeed,
      String master,
      Path logDirectory) {
    /** Copies the options. */
    public Setup {
      oracleOptions = new TreeMap<>(oracleOptions);
    }
  }
}
