package dpo.api.sampler;

import java.util.Objects;

/**
 * One component of a sampler's mixture: y drawn from {@code first}, y' from {@code second},
 * independently. Its contribution to the unnormalised pair weight C(y, y') is
 *
 * <ul>
 *   <li>{@link Scale#NORMALISED}: {@code weight * p(y) * q(y')}, with p and q the normalised tilts;
 *       the component keeps a fixed share of the mixture (e.g. "half uniform, half on-policy");
 *   <li>{@link Scale#UNNORMALISED}: {@code weight * f(y) * g(y')}, with f and g the unnormalised
 *       tilts; the component's share grows with the tilts' partition functions. This is how the
 *       paper's samplers are defined: DPO-Mix-R's C = 2 + e^(r_y - r_y') + e^(r_y' - r_y) is a
 *       uniform component of weight 2 plus two reward-tilted components of weight 1.
 * </ul>
 *
 * The sampler's pair distribution is W = C / Z with Z the sum of C over all ordered pairs.
 *
 * @param weight non-negative mixture weight
 * @param first the distribution of the first response
 * @param second the distribution of the second response
 * @param scale how {@code weight} combines with the tilts
 */
public record PairComponent(double weight, Tilt first, Tilt second, Scale scale) {

  /** How a component's weight combines with its tilts. */
  public enum Scale {
    /** The component is {@code weight} times a product of normalised distributions. */
    NORMALISED,
    /** The component is {@code weight} times a product of unnormalised tilts. */
    UNNORMALISED
  }

  /**
   * Validates the components.
   *
   * @param weight non-negative mixture weight
   * @param first the distribution of the first response
   * @param second the distribution of the second response
   * @param scale how {@code weight} combines with the tilts
   */
  public PairComponent {
    if (!(weight >= 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException(
          "pair component weight must be finite and >= 0, got " + weight);
    }
    Objects.requireNonNull(first, "first tilt must not be null");
    Objects.requireNonNull(second, "second tilt must not be null");
    Objects.requireNonNull(scale, "scale must not be null");
  }

  /**
   * A fixed-share component: {@code weight} times the product of the normalised tilts.
   *
   * @param weight non-negative weight
   * @param first distribution of the first response
   * @param second distribution of the second response
   * @return the component
   */
  public static PairComponent normalised(double weight, Tilt first, Tilt second) {
    return new PairComponent(weight, first, second, Scale.NORMALISED);
  }

  /**
   * A component whose share scales with the tilts' partition functions.
   *
   * @param weight non-negative weight
   * @param first unnormalised tilt of the first response
   * @param second unnormalised tilt of the second response
   * @return the component
   */
  public static PairComponent unnormalised(double weight, Tilt first, Tilt second) {
    return new PairComponent(weight, first, second, Scale.UNNORMALISED);
  }
}
