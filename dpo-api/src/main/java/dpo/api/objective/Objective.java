package dpo.api.objective;

import java.util.Optional;

/**
 * A per-pair preference loss l(h, p) and its derivative in h.
 *
 * <p>h is the implicit log-ratio difference of the ordered pair (y, y') and p the probability that
 * y wins. Every objective is the expectation over the label of its hard-label loss, so that {@code
 * loss(h, p) = p * loss(h, 1) + (1 - p) * loss(h, 0)} and {@code loss(h, p) == loss(-h, 1 - p)}:
 * the order in which a pair is presented does not matter.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public interface Objective {

  /**
   * The KL-regularisation coefficient beta (IPO's tau) the loss was created with.
   *
   * @return beta, > 0
   */
  double beta();

  /**
   * The loss of one ordered pair.
   *
   * @param h implicit log-ratio difference of the pair
   * @param p probability in [0, 1] that the first response is preferred
   * @return the loss
   */
  double loss(double h, double p);

  /**
   * The derivative of {@link #loss(double, double)} with respect to h (a subgradient where the loss
   * has a kink).
   *
   * @param h implicit log-ratio difference of the pair
   * @param p probability in [0, 1] that the first response is preferred
   * @return d loss / d h
   */
  double derivative(double h, double p);

  /**
   * The objective's closed form, if it is the logistic loss; backends use it to vectorise the loss.
   * Objectives that return a form must compute exactly that form in {@link #loss} and {@link
   * #derivative}.
   *
   * @return the logistic form, empty by default
   */
  default Optional<LogisticForm> logisticForm() {
    return Optional.empty();
  }
}
