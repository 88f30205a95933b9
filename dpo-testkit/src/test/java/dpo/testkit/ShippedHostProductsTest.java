package dpo.testkit;

import dpo.api.backend.HostProducts;
import dpo.api.backend.HostProductsProvider;
import java.util.ServiceLoader;

/** The CPU backend's {@code simd} kernel, found as a plugin would be, passes the contract. */
class ShippedHostProductsTest extends HostProductsContract {
  @Override
  protected HostProducts products(int threads) {
    return ServiceLoader.load(HostProductsProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.id().equals("simd"))
        .findFirst()
        .orElseThrow()
        .create(threads)
        .orElseThrow(() -> new AssertionError("the tests run with the Vector API module"));
  }
}
