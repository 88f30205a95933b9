package dpo.backend.gpu;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dpo.api.Capability;
import dpo.api.ConfigurationException;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.TabularPolicy;
import dpo.api.backend.TabularProblem;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.LmTrainer;
import dpo.api.lm.ModelConfig;
import dpo.api.lm.RewardModel;
import dpo.api.lm.RewardTrainer;
import dpo.api.lm.Tokenizer;
import dpo.api.lm.TrainerConfig;
import dpo.backend.gpu.lm.LanguageModels;
import dpo.backend.gpu.tabular.DjlTabularPolicy;
import dpo.backend.gpu.text.HfTokenizer;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DJL backend: one device and one root {@link NDManager} shared by everything it creates.
 * Option {@code device}: {@code auto} (default: the first GPU when DJL sees one, else the CPU),
 * {@code cpu} or {@code gpu}. Option {@code kv-cache}: {@code true} (default) or {@code false}
 * (generation recomputes every sequence at each step; for benchmarks and checks). A positive
 * {@code threads} sets PyTorch's intra-op threads if the engine has not started yet.
 */
final class DjlBackend implements PolicyBackend {
  static final String DEVICE = "device";
  static final String KV_CACHE = "kv-cache";
  private static final String NUM_THREADS = "ai.djl.pytorch.num_threads";
  private static final Logger LOG = LoggerFactory.getLogger(DjlBackend.class);

  private final Device device;
  private final NDManager manager;
  private final boolean kvCache;

  DjlBackend(BackendConfig config) {
    for (String name : config.options().keySet()) {
      if (!name.equals(DEVICE) && !name.equals(KV_CACHE)) {
        throw new ConfigurationException(name, "unknown option '" + name
            + "' for backend djl; known options: " + DEVICE + ", " + KV_CACHE);
      }
    }
    String cache = config.options().getOrDefault(KV_CACHE, "true");
    if (!cache.equals("true") && !cache.equals("false")) {
      throw new ConfigurationException(KV_CACHE, "kv-cache must be true or false, got '" + cache
          + "'");
    }
    this.kvCache = Boolean.parseBoolean(cache);
    if (config.threads() > 0 && System.getProperty(NUM_THREADS) == null) {
      // Read once, when the engine starts; later backends share the first one's setting.
      System.setProperty(NUM_THREADS, Integer.toString(config.threads()));
    }
    this.device = device(config.options().getOrDefault(DEVICE, "auto"));
    this.manager = NDManager.newBaseManager(device);
    LOG.info("DJL backend on {} ({} {})", device, Engine.getInstance().getEngineName(),
        Engine.getInstance().getVersion());
  }

  private static Device device(String choice) {
    int gpus = Engine.getInstance().getGpuCount();
    switch (choice) {
      case "auto":
        return gpus > 0 ? Device.gpu() : Device.cpu();
      case "cpu":
        return Device.cpu();
      case "gpu":
        if (gpus == 0) {
          throw new ConfigurationException(
              DEVICE, "device 'gpu' asked for, but DJL sees no CUDA GPU; use device=cpu or auto");
        }
        return Device.gpu();
      default:
        throw new ConfigurationException(
            DEVICE, "device must be auto, cpu or gpu, got '" + choice + "'");
    }
  }

  /** The device every array of this backend lives on. */
  Device device() {
    return device;
  }

  /** The root manager; callers open sub-managers per step so native memory is freed. */
  NDManager manager() {
    return manager;
  }

  @Override
  public String id() {
    return DjlBackendProvider.ID;
  }

  @Override
  public Set<Capability> capabilities() {
    Set<Capability> caps = EnumSet.copyOf(DjlBackendProvider.CAPABILITIES);
    if (!device.isGpu()) {
      caps.remove(Capability.CUDA);
    }
    return caps;
  }

  @Override
  public TabularPolicy newTabularPolicy(TabularProblem problem) {
    return new DjlTabularPolicy(problem, manager);
  }

  @Override
  public LanguageModel newLanguageModel(ModelConfig config, long seed) {
    return LanguageModels.create(manager, config, seed);
  }

  @Override
  public LanguageModel loadLanguageModel(Path directory) {
    return LanguageModels.load(manager, directory);
  }

  @Override
  public Tokenizer loadTokenizer(Path directory) {
    return HfTokenizer.load(directory);
  }

  @Override
  public List<int[]> generate(
      List<LanguageModel> models, double[] weights, List<int[]> prompts, GenerationConfig config) {
    return LanguageModels.generate(manager, models, weights, prompts, config, kvCache);
  }

  @Override
  public LmTrainer newTrainer(LanguageModel model, TrainerConfig config) {
    return LanguageModels.trainer(model, config);
  }

  @Override
  public RewardModel newRewardModel(ModelConfig config, long seed) {
    return LanguageModels.createRewardModel(manager, config, seed);
  }

  @Override
  public RewardModel loadRewardModel(Path directory) {
    return LanguageModels.loadRewardModel(manager, directory);
  }

  @Override
  public RewardTrainer newRewardTrainer(RewardModel model, TrainerConfig config) {
    return LanguageModels.rewardTrainer(model, config);
  }

  @Override
  public void close() {
    manager.close();
  }
}
