package dpo.api.backend;

/**
 * The tabular-policy facet of a backend: softmax policies over a {@link TabularProblem}, for the
 * bandit study. A backend offers it ({@link PolicyBackend#tabularPolicies()}) when it has {@link
 * BackendCapability#EXACT_GRADIENT} or {@link BackendCapability#SAMPLED_GRADIENT}.
 */
public interface TabularPolicies {

  /**
   * Creates a tabular softmax policy for a bandit problem, initialised to the uniform reference
   * (theta = 0).
   *
   * @param problem the rewards of every prompt and response
   * @return a policy the caller must close
   * @throws IllegalStateException if the backend is closed
   */
  TabularPolicy newTabularPolicy(TabularProblem problem);
}
