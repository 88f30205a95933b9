package dpo.backend.gpu;

import dpo.api.backend.BackendConfig;
import dpo.api.lm.RewardModel;
import dpo.api.lm.Tokenizer;
import dpo.api.oracle.OracleConfig;
import dpo.api.oracle.RewardOracle;
import dpo.api.oracle.RewardOracleProvider;
import dpo.backend.gpu.text.HfTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code learned} oracle: a reward model trained with {@code dpo reward train} (or any
 * checkpoint in its format) scores text. Options: {@code model} (the checkpoint folder, with its
 * {@code tokenizer.json}; required), {@code device} (auto, cpu or gpu), {@code batch} (pairs per
 * forward pass, default 64). Text is tokenized with {@link Tokenizer#encodePair}.
 */
public final class LearnedOracleProvider implements RewardOracleProvider {
  @Override
  public int apiVersion() {
    return API_VERSION;
  }

  static final String ID = "learned";

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public LearnedOracleProvider() {}

  @Override
  public String id() {
    return ID;
  }

  @Override
  public String description() {
    return "a learned reward model (transformer with a scalar head) from a checkpoint folder";
  }

  @Override
  public RewardOracle create(OracleConfig config) {
    config.requireKnownOptions(ID, List.of("model", "device", "batch"));
    Path dir = Path.of(config.requiredOption("model", "model=results/reward-model"));
    int batch = (int) config.positiveNumber("batch", 64);
    DjlOffline.enforce();
    DjlBackend backend =
        new DjlBackend(
            BackendConfig.defaults()
                .withOption(DjlBackend.DEVICE, config.option("device").orElse(BackendConfig.AUTO)));
    try {
      Tokenizer tokenizer = HfTokenizer.load(dir);
      RewardModel model = backend.rewardModels().orElseThrow().loadRewardModel(dir);
      return new Oracle(backend, model, tokenizer, batch);
    } catch (RuntimeException e) {
      backend.close();
      throw e;
    }
  }

  private record Oracle(DjlBackend backend, RewardModel model, Tokenizer tokenizer, int batch)
      implements RewardOracle {
    @Override
    public double[] score(List<String> prompts, List<String> responses) {
      if (prompts.size() != responses.size()) {
        throw new IllegalArgumentException(
            "got "
                + prompts.size()
                + " prompts and "
                + responses.size()
                + " responses; give one response per prompt");
      }
      int context = model.config().contextLength();
      double[] out = new double[prompts.size()];
      for (int from = 0; from < prompts.size(); from += batch) {
        int to = Math.min(prompts.size(), from + batch);
        List<int[]> p = new ArrayList<>();
        List<int[]> r = new ArrayList<>();
        for (int i = from; i < to; i++) {
          int[][] pair = tokenizer.encodePair(prompts.get(i), responses.get(i), context);
          p.add(pair[0]);
          r.add(pair[1]);
        }
        System.arraycopy(model.score(p, r), 0, out, from, to - from);
      }
      return out;
    }

    @Override
    public void close() {
      model.close();
      backend.close();
    }
  }
}
