package dpo.backend.gpu;

import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.RewardModel;
import dpo.api.oracle.OracleConfig;
import dpo.api.oracle.RewardOracle;
import dpo.datasets.synthetic.WordTokenizer;
import dpo.testkit.OracleContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learned oracle passes the oracle contract (an untrained model: the contract is about I/O).
 */
class LearnedOracleContractTest extends OracleContract {
  @TempDir static Path dir;

  @BeforeAll
  static void checkpoint() throws IOException {
    WordTokenizer words =
        new WordTokenizer(
            List.of("how", "do", "i", "bake", "bread", "?", "mix", "flour", "and", "water", "."));
    try (PolicyBackend backend = new DjlBackendProvider().create(BackendConfig.defaults());
        RewardModel model =
            backend
                .rewardModels()
                .orElseThrow()
                .newRewardModel(new ModelConfig(words.vocabularySize(), 16, 1, 2, 64), 5)) {
      model.save(dir.resolve("rm"));
    }
    Files.writeString(dir.resolve("rm/tokenizer.json"), words.toHuggingFaceJson());
  }

  /** Float32 sums in another order for another batch shape differ in the last bits. */
  @Override
  protected double batchTolerance() {
    return 1e-6;
  }

  @Override
  protected RewardOracle oracle() {
    return new LearnedOracleProvider()
        .create(OracleConfig.of(Map.of("model", dir.resolve("rm").toString(), "device", "cpu")));
  }
}
