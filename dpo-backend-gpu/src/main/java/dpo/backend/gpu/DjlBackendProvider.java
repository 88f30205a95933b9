package dpo.backend.gpu;

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

  @Override
  public PolicyBackend create(BackendConfig config) {
    DjlOffline.enforce();
    return new DjlBackend(config);
  }
}
