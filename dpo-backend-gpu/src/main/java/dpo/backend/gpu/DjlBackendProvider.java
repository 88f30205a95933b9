package dpo.backend.gpu;

import dpo.api.ConfigurationException;
import dpo.api.backend.BackendCapability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import java.util.EnumSet;
import java.util.Set;

/**
 * Provider of the DJL backend ({@code djl}). Discovery touches no DJL class: the engine (and its
 * native libraries) loads only in {@link #create(BackendConfig)}, after {@link
 * DjlOffline#enforce()}.
 */
public final class DjlBackendProvider implements PolicyBackendProvider {
  @Override
  public int apiVersion() {
    return API_VERSION;
  }

  static final String ID = "djl";

  /** What the backend can do on any machine; {@code CUDA} is added where a GPU is present. */
  static final Set<BackendCapability> BASE_CAPABILITIES =
      Set.of(
          BackendCapability.EXACT_GRADIENT,
          BackendCapability.SAMPLED_GRADIENT,
          BackendCapability.LANGUAGE_MODELS,
          BackendCapability.REWARD_MODELS);

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public DjlBackendProvider() {}

  @Override
  public String id() {
    return ID;
  }

  @Override
  public String description() {
    return "DJL (PyTorch): causal transformer LMs, generation with KV cache and logit mixing,"
        + " DPO training; tabular policies by autograd; CUDA when present";
  }

  @Override
  public int priority() {
    return 50;
  }

  /**
   * What the backend can do on this machine: {@code CUDA} only when the NVIDIA driver exposes a GPU
   * (read from the file system; no CUDA or DJL class is loaded).
   */
  @Override
  public Set<BackendCapability> capabilities() {
    Set<BackendCapability> caps = EnumSet.copyOf(BASE_CAPABILITIES);
    if (NvidiaGpus.present()) {
      caps.add(BackendCapability.CUDA);
    }
    return Set.copyOf(caps);
  }

  /**
   * The option names, {@code kv-cache} and the device as {@link #create} checks them, and {@code
   * device gpu} on a machine without an NVIDIA GPU (read from the file system; whether DJL's engine
   * sees the GPU is known only once it loads, in {@link #create}). No DJL class is loaded.
   */
  @Override
  public void validate(BackendConfig config) {
    checkOptions(config);
    if (config.options().getOrDefault(DjlBackend.DEVICE, BackendConfig.AUTO).equals("gpu")
        && !NvidiaGpus.present()) {
      throw new ConfigurationException(DjlBackend.DEVICE, DjlBackend.NO_GPU);
    }
  }

  /**
   * Checks the option names and values: {@code device} (one of {@link BackendConfig#DEVICES}) and
   * {@code kv-cache} ({@code true} or {@code false}).
   *
   * @param config the settings
   * @throws ConfigurationException naming the option refused
   */
  static void checkOptions(BackendConfig config) {
    for (String name : config.options().keySet()) {
      if (!name.equals(DjlBackend.DEVICE) && !name.equals(DjlBackend.KV_CACHE)) {
        throw new ConfigurationException(
            name,
            "unknown option '"
                + name
                + "' for backend djl; known options: "
                + DjlBackend.DEVICE
                + ", "
                + DjlBackend.KV_CACHE);
      }
    }
    String cache = config.options().getOrDefault(DjlBackend.KV_CACHE, "true");
    if (!cache.equals("true") && !cache.equals("false")) {
      throw new ConfigurationException(
          DjlBackend.KV_CACHE, "kv-cache must be true or false, got '" + cache + "'");
    }
    BackendConfig.checkDevice(config.options().getOrDefault(DjlBackend.DEVICE, BackendConfig.AUTO));
  }

  @Override
  public PolicyBackend create(BackendConfig config) {
    DjlOffline.enforce();
    return new DjlBackend(config);
  }
}
