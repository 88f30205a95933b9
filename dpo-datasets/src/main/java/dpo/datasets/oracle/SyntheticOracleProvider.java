package dpo.datasets.oracle;

import dpo.api.ConfigurationException;
import dpo.api.oracle.OracleConfig;
import dpo.api.oracle.RewardOracle;
import dpo.api.oracle.RewardOracleProvider;
import dpo.datasets.synthetic.SafeHelpfulTask;
import dpo.datasets.synthetic.SyntheticTask;
import dpo.datasets.synthetic.SyntheticTasks;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Provides the {@code synthetic} oracle, which scores with a bundled synthetic task's ground-truth
 * reward. Option {@code task}: the task id (default {@code safe-helpful}; see {@link
 * SyntheticTasks#ids()}). The oracle is deterministic and ignores the seed.
 */
public final class SyntheticOracleProvider implements RewardOracleProvider {
  @Override
  public int apiVersion() {
    return API_VERSION;
  }

  static final String ID = "synthetic";
  static final String TASK = "task";

  /** Creates the provider (cheap; called by ServiceLoader). */
  public SyntheticOracleProvider() {}

  @Override
  public String id() {
    return ID;
  }

  @Override
  public String description() {
    return "the ground-truth reward of a bundled synthetic task (option task, default "
        + SafeHelpfulTask.ID
        + ")";
  }

  @Override
  public RewardOracle create(OracleConfig config) {
    config.requireKnownOptions(ID, Set.of(TASK));
    String id = config.option(TASK).orElse(SafeHelpfulTask.ID).strip();
    SyntheticTask task =
        SyntheticTasks.find(id)
            .orElseThrow(
                () ->
                    new ConfigurationException(
                        TASK,
                        "unknown synthetic task '"
                            + id
                            + "'; known tasks: "
                            + String.join(", ", SyntheticTasks.ids())));
    return new TaskOracle(task);
  }

  /** Scores with the task's reward; holds no resources. */
  private static final class TaskOracle implements RewardOracle {
    private final SyntheticTask task;
    private boolean closed;

    TaskOracle(SyntheticTask task) {
      this.task = task;
    }

    @Override
    public double[] score(List<String> prompts, List<String> responses) {
      if (closed) {
        throw new IllegalStateException("this synthetic oracle is closed; create a new one");
      }
      Oracles.checkBatch(prompts, responses);
      double[] rewards = new double[prompts.size()];
      for (int i = 0; i < rewards.length; i++) {
        rewards[i] =
            task.reward(
                Objects.requireNonNull(prompts.get(i), "prompt " + i),
                Objects.requireNonNull(responses.get(i), "response " + i));
      }
      return rewards;
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
