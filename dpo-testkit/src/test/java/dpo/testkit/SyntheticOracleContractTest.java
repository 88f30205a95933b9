package dpo.testkit;

import dpo.api.oracle.OracleConfig;
import dpo.api.oracle.RewardOracle;
import dpo.datasets.oracle.SyntheticOracleProvider;
import java.util.Map;

/** The bundled synthetic oracle passes the oracle contract. */
class SyntheticOracleContractTest extends OracleContract {
  @Override
  protected RewardOracle oracle() {
    return new SyntheticOracleProvider().create(OracleConfig.of(Map.of()));
  }
}
