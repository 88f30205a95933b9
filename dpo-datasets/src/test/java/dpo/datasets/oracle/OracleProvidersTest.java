package dpo.datasets.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dpo.api.ConfigurationException;
import dpo.api.Provider;
import dpo.api.oracle.OracleConfig;
import dpo.api.oracle.RewardOracle;
import dpo.api.oracle.RewardOracleProvider;
import dpo.datasets.synthetic.Demonstration;
import dpo.datasets.synthetic.SyntheticTask;
import dpo.datasets.synthetic.SyntheticTasks;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class OracleProvidersTest {

  private static Map<String, RewardOracleProvider> byId() {
    Map<String, RewardOracleProvider> map = new TreeMap<>();
    for (RewardOracleProvider p : ServiceLoader.load(RewardOracleProvider.class)) {
      assertEquals(null, map.put(p.id(), p), "id provided twice: " + p.id());
      assertTrue(p.id().matches(Provider.ID_PATTERN), p.id());
      assertTrue(!p.description().isBlank(), p.id());
    }
    return map;
  }

  @Test
  void serviceLoaderFindsTheShippedOracles() {
    assertEquals(Set.of("command", "synthetic"), byId().keySet());
  }

  @Test
  void syntheticOracleScoresWithTheTaskReward() {
    SyntheticTask task = SyntheticTasks.get("safe-helpful");
    List<Demonstration> demos = task.sftData(0, 20, 2, 0.5, 3);
    List<String> prompts = demos.stream().map(Demonstration::prompt).toList();
    List<String> responses = demos.stream().map(Demonstration::response).toList();
    double[] expected = new double[demos.size()];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = task.reward(prompts.get(i), responses.get(i));
    }
    try (RewardOracle oracle = byId().get("synthetic").create(OracleConfig.of(Map.of()))) {
      assertArrayEquals(expected, oracle.score(prompts, responses));
    }
    RewardOracle named =
        byId().get("synthetic").create(OracleConfig.of(Map.of("task", "safe-helpful")));
    assertEquals(expected[0], named.score(prompts.get(0), responses.get(0)));
    named.close();
    assertThrows(IllegalStateException.class, () -> named.score("explain bees", "bees ."));

    SyntheticTask ordered = SyntheticTasks.get("ordered-topics");
    String prompt = ordered.prompt(0, 3);
    String response =
        ordered.demonstration(prompt, 1, new java.util.SplittableRandom(3)).response();
    try (RewardOracle oracle =
        byId().get("synthetic").create(OracleConfig.of(Map.of("task", "ordered-topics")))) {
      assertEquals(ordered.reward(prompt, response), oracle.score(prompt, response));
    }
  }

  @Test
  void syntheticOracleNamesUnknownTasksAndOptions() {
    RewardOracleProvider synthetic = byId().get("synthetic");
    ConfigurationException task =
        assertThrows(
            ConfigurationException.class,
            () -> synthetic.create(OracleConfig.of(Map.of("task", "chess"))));
    assertEquals("task", task.violations().get(0).field());
    assertEquals(
        "unknown synthetic task 'chess'; known tasks: ordered-topics, safe-helpful",
        task.getMessage());
    ConfigurationException option =
        assertThrows(
            ConfigurationException.class,
            () -> synthetic.create(OracleConfig.of(Map.of("tsak", "safe-helpful"))));
    assertEquals(
        "unknown option 'tsak' for oracle synthetic; known options: task", option.getMessage());
  }
}
