package dpo.backend.gpu;

import dpo.api.Capability;
import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.backend.PolicyBackendProvider;
import java.util.Set;

/**
 * Provider of the DJL backend ({@code djl}). Discovery touches no DJL class: the engine (and its
 * native libraries) loads only in {@link #create(BackendConfig)}, after {@link DjlOffline#enforce()}.
 */
public final class DjlBackendProvider implements PolicyBackendProvider {
  @Override
  public int apiVersion() {
    return API_VERSION;
  }

  static final String ID = "djl";
  static final Set<Capability> CAPABILITIES =
      Set.of(
          Capability.GENERATION,
          Capability.EXACT_GRADIENT,
          Capability.SAMPLED_GRADIENT,
          Capability.CUDA);

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

  /** What the backend can do; {@code CUDA} means it uses a GPU when DJL sees one. */
  @Override
  public Set<Capability> capabilities() {
    return CAPABILITIES;
  }

  @Override
  public PolicyBackend create(BackendConfig config) {
    DjlOffline.enforce();
    return new DjlBackend(config);
  }
}
