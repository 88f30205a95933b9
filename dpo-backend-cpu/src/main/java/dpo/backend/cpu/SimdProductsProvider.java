package dpo.backend.cpu;

import dpo.api.backend.HostProducts;
import dpo.api.backend.HostProductsProvider;
import java.util.Optional;

/**
 * Provider of {@link HostProducts} on the Vector API ({@code simd}), for the thin products of
 * decoding steps. It runs only where the {@code jdk.incubator.vector} module is loaded; discovery
 * touches no class of it.
 */
public final class SimdProductsProvider implements HostProductsProvider {
  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public SimdProductsProvider() {}

  @Override
  public String id() {
    return "simd";
  }

  @Override
  public int apiVersion() {
    return API_VERSION;
  }

  @Override
  public String description() {
    return "products of a few rows with packed weights on the Vector API"
        + " (needs --add-modules jdk.incubator.vector)";
  }

  @Override
  public Optional<HostProducts> create(int threads) {
    if (!CpuBackend.vectorApiPresent()) {
      return Optional.empty();
    }
    return Optional.of(new SimdProducts(threads));
  }
}
