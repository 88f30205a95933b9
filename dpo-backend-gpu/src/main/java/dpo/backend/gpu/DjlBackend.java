package dpo.backend.gpu;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dpo.api.ConfigurationException;
import dpo.api.backend.BackendCapability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.DeviceInfo;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.TabularPolicies;
import dpo.api.lm.LanguageModels;
import dpo.api.lm.RewardModels;
import dpo.backend.gpu.lm.DjlLanguageModels;
import dpo.backend.gpu.lm.DjlRewardModels;
import dpo.backend.gpu.tabular.DjlTabularPolicy;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DJL backend: one device and one root {@link NDManager} shared by everything it creates.
 * Option {@code device}: {@code auto} (default: the first GPU when DJL sees one, else the CPU),
 * {@code cpu} or {@code gpu}. Option {@code kv-cache}: {@code true} (default) or {@code false}
 * (generation recomputes every sequence at each step; for benchmarks and checks). A positive {@code
 * threads} sets PyTorch's intra-op threads if the engine has not started yet.
 *
 * <p>It offers all three facets: tabular policies (by autograd), language models and reward models.
 * Without an NVIDIA GPU on the machine, {@code auto} chooses the CPU without asking CUDA.
 */
final class DjlBackend implements PolicyBackend {
  static final String DEVICE = BackendConfig.DEVICE;
  static final String KV_CACHE = "kv-cache";

  /** Why {@code device gpu} cannot be had here. */
  static final String NO_GPU = "device 'gpu' asked for, but DJL sees no CUDA GPU; use cpu or auto";

  private static final String NUM_THREADS = "ai.djl.pytorch.num_threads";
  private static final Logger LOG = LoggerFactory.getLogger(DjlBackend.class);

  /** Devices already reported, so that each is logged once per process. */
  private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

  private final Device device;
  private final NDManager manager;
  private final DeviceInfo info;
  private final LanguageModels languageModels;
  private final RewardModels rewardModels;
  private final TabularPolicies tabularPolicies;

  DjlBackend(BackendConfig config) {
    DjlBackendProvider.checkOptions(config);
    boolean kvCache = Boolean.parseBoolean(config.options().getOrDefault(KV_CACHE, "true"));
    if (config.threads() > 0 && System.getProperty(NUM_THREADS) == null) {
      // Read once, when the engine starts; later backends share the first one's setting.
      System.setProperty(NUM_THREADS, Integer.toString(config.threads()));
    }
    this.device = device(config.options().getOrDefault(DEVICE, BackendConfig.AUTO));
    this.manager = NDManager.newBaseManager(device);
    Engine engine = Engine.getInstance();
    this.info =
        new DeviceInfo(
            device.isGpu() ? "gpu(" + device.getDeviceId() + ")" : "cpu",
            engine.getEngineName() + " (DJL " + Engine.getDjlVersion() + ")",
            engine.getVersion());
    if (LOGGED.add(info.toString())) {
      LOG.info("djl backend computes on {}", info);
    }
    this.languageModels = new DjlLanguageModels(manager, kvCache);
    this.rewardModels = new DjlRewardModels(manager);
    this.tabularPolicies = problem -> new DjlTabularPolicy(problem, manager);
  }

  private static Device device(String choice) {
    switch (choice) {
      case "cpu":
        return Device.cpu();
      case "gpu":
        if (Engine.getInstance().getGpuCount() == 0) {
          throw new ConfigurationException(DEVICE, NO_GPU);
        }
        return Device.gpu();
      default: // auto, the one other name checkOptions lets through
        // Without a GPU exposed by the driver, CUDA is not asked (it would find nothing).
        return NvidiaGpus.present() && Engine.getInstance().getGpuCount() > 0
            ? Device.gpu()
            : Device.cpu();
    }
  }

  /** The root manager; callers open sub-managers per step so native memory is freed. */
  NDManager manager() {
    return manager;
  }

  @Override
  public String id() {
    return DjlBackendProvider.ID;
  }

  /** The provider's capabilities, with {@code CUDA} only when this backend computes on a GPU. */
  @Override
  public Set<BackendCapability> capabilities() {
    Set<BackendCapability> caps = EnumSet.copyOf(DjlBackendProvider.BASE_CAPABILITIES);
    if (device.isGpu()) {
      caps.add(BackendCapability.CUDA);
    }
    return caps;
  }

  @Override
  public DeviceInfo device() {
    return info;
  }

  @Override
  public Optional<TabularPolicies> tabularPolicies() {
    return Optional.of(tabularPolicies);
  }

  @Override
  public Optional<LanguageModels> languageModels() {
    return Optional.of(languageModels);
  }

  @Override
  public Optional<RewardModels> rewardModels() {
    return Optional.of(rewardModels);
  }

  @Override
  public void close() {
    manager.close();
  }
}
