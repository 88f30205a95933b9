package dpo.spark.align;

import dpo.api.ConfigurationException;
import dpo.core.align.GenerationEngine;
import dpo.core.align.GenerationEngineProvider;
import dpo.spark.SparkSessions;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Provides the {@code spark} generation engine of {@code dpo align --engine spark}: a Spark context
 * on the given master ({@code local[*]} by default), loopback only, no web UI, its log in {@code
 * spark.log} of the output folder.
 */
public final class SparkGenerationProvider implements GenerationEngineProvider {
  private static final Pattern MASTER =
      Pattern.compile("local|local\\[([1-9][0-9]*|\\*)]|spark://[^/:\\s]+:[0-9]+");

  /** Creates the provider; nothing starts until {@link #create}. */
  public SparkGenerationProvider() {}

  @Override
  public String id() {
    return SparkGeneration.ID;
  }

  @Override
  public GenerationEngine create(Setup setup) {
    return new SparkGeneration(
        SparkSessions.open(master(setup.master()), setup.logDirectory(), "dpo align", Map.of()),
        setup);
  }

  /** The master to use: the given one, checked, or the default for null. */
  static String master(String given) {
    String master = given != null ? given : SparkSessions.DEFAULT_MASTER;
    if (!MASTER.matcher(master).matches()) {
      throw new ConfigurationException(
          "master",
          "master must be local, local[N], local[*] or spark://HOST:PORT, got '" + master + "'");
    }
    return master;
  }
}
