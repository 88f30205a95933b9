package dpo.spark.align;

import dpo.api.backend.BackendConfig;
import dpo.core.align.GenerationEngineProvider;
import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an executor needs to rebuild the driver's backend and oracle: their ids and options, in a
 * form Spark can send.
 */
record WorkerSetup(
    String backend,
    int threads,
    TreeMap<String, String> backendOptions,
    String oracle,
    TreeMap<String, String> oracleOptions,
    long oracleSeed)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  static WorkerSetup of(GenerationEngineProvider.Setup setup) {
    return new WorkerSetup(
        setup.backend(),
        setup.backendConfig().threads(),
        new TreeMap<>(setup.backendConfig().options()),
        setup.oracle(),
        new TreeMap<>(setup.oracleOptions()),
        setup.oracleSeed());
  }

  BackendConfig backendConfig() {
    return new BackendConfig(threads, Map.copyOf(backendOptions));
  }
}
