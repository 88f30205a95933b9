package dpo.api.oracle;

import dpo.api.Provider;

/**
 * Service-provider interface for reward oracles; list implementations in {@code
 * META-INF/services/dpo.api.oracle.RewardOracleProvider}. Constructing a provider is cheap:
 * processes are started and models loaded in {@link #create(OracleConfig)}.
 */
public interface RewardOracleProvider extends Provider {

  /**
   * Creates the oracle; this is where processes, models and devices are acquired.
   *
   * @param config the seed and the oracle's options; options the oracle does not know are rejected
   *     (see {@link OracleConfig#requireKnownOptions})
   * @return an oracle the caller must close
   * @throws dpo.api.ConfigurationException if an option is unknown, missing or malformed
   */
  RewardOracle create(OracleConfig config);
}
