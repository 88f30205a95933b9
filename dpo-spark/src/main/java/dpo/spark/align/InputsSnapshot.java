package dpo.spark.align;

import dpo.core.align.AlignExperiment;
import dpo.core.align.Prompt;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The data of some seeds ({@link AlignExperiment.Inputs}) as the driver computed it, in a form
 * Spark can send: the id and each seed's training and test prompts. No demonstrations: the tasks
 * receive the seeds' initial models made already.
 */
final class InputsSnapshot implements AlignExperiment.Inputs, Serializable {
  private static final long serialVersionUID = 1L;

  private final String id;
  private final HashMap<Long, ArrayList<Prompt>> train = new HashMap<>();
  private final HashMap<Long, ArrayList<Prompt>> test = new HashMap<>();

  private InputsSnapshot(String id) {
    this.id = id;
  }

  static InputsSnapshot of(AlignExperiment.Inputs inputs, Iterable<Long> seeds) {
    InputsSnapshot s = new InputsSnapshot(inputs.id());
    for (long seed : seeds) {
      s.train.put(seed, new ArrayList<>(inputs.train(seed)));
      s.test.put(seed, new ArrayList<>(inputs.test(seed)));
    }
    return s;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public List<Prompt> train(long seed) {
    return List.copyOf(get(train, seed));
  }

  @Override
  public List<Prompt> test(long seed) {
    return List.copyOf(get(test, seed));
  }

  private static List<Prompt> get(Map<Long, ArrayList<Prompt>> bySeed, long seed) {
    List<Prompt> prompts = bySeed.get(seed);
    if (prompts == null) {
      throw new IllegalArgumentException("no prompts of seed " + seed + " were sent");
    }
    return prompts;
  }
}
