/**
 * Reward oracles and preference labels: how the responses an online DPO iteration samples become
 * labelled pairs.
 *
 * <p>A {@link dpo.api.oracle.RewardOracleProvider} creates a {@link dpo.api.oracle.RewardOracle}
 * from an {@link dpo.api.oracle.OracleConfig}; the oracle scores (prompt, response) pairs in
 * batches. For each prompt, {@link dpo.api.oracle.BestWorstPair} picks the best and the worst of
 * its K responses and their scaled reward gap (the margin), and a {@link dpo.api.oracle.LabelRule}
 * turns the margin into the label p that the objectives consume: soft (sigma(margin)), hard (1) or
 * Bernoulli-sampled.
 *
 * <p>Oracles that fail while scoring throw {@link dpo.api.OracleException}; bad options are a
 * {@link dpo.api.ConfigurationException} naming the option.
 */
@Stable
package dpo.api.oracle;

import dpo.api.Stable;
