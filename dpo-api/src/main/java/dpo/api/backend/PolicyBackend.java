package dpo.api.backend;

import dpo.api.BackendException;
import dpo.api.Capability;
import java.util.Set;

/**
 * A backend that holds and trains policies. Call order: create (from the provider), {@code
 * newTabularPolicy(...)} any number of times, {@link #close()}.
 */
public interface PolicyBackend extends AutoCloseable {

  /**
   * The id of the provider that created this backend.
   *
   * @return the kebab-case id
   */
  String id();

  /**
   * The features of this backend.
   *
   * @return the capabilities
   */
  Set<Capability> capabilities();

  /**
   * Creates a tabular softmax policy for a bandit problem, initialised to the uniform reference
   * (theta = 0). Backends that lack tabular policies throw {@link BackendException}.
   *
   * @param problem the rewards of every prompt and response
   * @return a policy the caller must close
   * @throws BackendException if the backend has neither {@link Capability#EXACT_GRADIENT} nor
   *     {@link Capability#SAMPLED_GRADIENT}
   */
  default TabularPolicy newTabularPolicy(TabularProblem problem) {
    throw new BackendException(
        "backend '" + id() + "' has no tabular policies; use a backend with EXACT_GRADIENT");
  }

  /**
   * Releases threads and native resources. Idempotent. Afterwards {@link #newTabularPolicy}
   * throws {@link IllegalStateException}, and so do the steps of the policies this backend created.
   */
  @Override
  void close();
}
