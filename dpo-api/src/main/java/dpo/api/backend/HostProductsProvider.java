package dpo.api.backend;

import dpo.api.Provider;
import java.util.Optional;

/**
 * Service-provider interface for {@link HostProducts}; list implementations in {@code
 * META-INF/services/dpo.api.backend.HostProductsProvider}. A backend that uses them finds the
 * providers with {@link java.util.ServiceLoader}, takes the one of highest {@link #priority()} that
 * can run, and computes the products itself when none can.
 */
public interface HostProductsProvider extends Provider {

  /**
   * Creates an instance that splits each product over {@code threads} threads, the caller's among
   * them, or nothing when this provider cannot run in this JVM (for example without a module it
   * needs). Discovery must stay cheap: threads start here, not in the constructor.
   *
   * @param threads threads per product, at least 1
   * @return the products, which the caller must close, or empty
   */
  Optional<HostProducts> create(int threads);
}
