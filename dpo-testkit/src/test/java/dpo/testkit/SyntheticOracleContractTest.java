package dpo.testkit;

import dpo.api.oracle.OracleConfig;
import dpo.api.oracle.RewardOracle;
import dpo.api.oracle.RewardOracleProvider;
import dpo.datasets.oracle.SyntheticOracleProvider;
import java.util.Map;

/** The bundled synthetic oracle passes the oracle contract. */
class SyntheticOracleContractTest extends OracleContract {
  @Override
  protected RewardOracleProvider provider() {
    return new SyntheticOracleProvider();
  }

  @Override
  protected RewardOracle oracle() {
    return provider().create(OracleConfig.of(Map.of()));
  }
}
