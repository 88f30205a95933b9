package dpo.api.sampler;

/**
 * A tilted distribution over responses, proportional to
 *
 * <pre>
 *   pi_theta(y)^policy * pi_ref(y)^reference * exp(reward * r(y)) * (pi_theta(y) / pi_ref(y))^(implicitReward * beta)
 * </pre>
 *
 * where beta is the objective's KL coefficient, so that {@code implicitReward = 1} tilts by exp of
 * the policy's implicit reward beta * log(pi_theta / pi_ref). All exponents zero is the uniform
 * distribution; {@code policy = 1} is pi_theta itself; {@code reference = 1} is pi_ref.
 *
 * @param policy exponent of pi_theta
 * @param reference exponent of pi_ref
 * @param reward coefficient of the true reward r
 * @param implicitReward coefficient of the implicit reward beta * log(pi_theta / pi_ref)
 */
public record Tilt(double policy, double reference, double reward, double implicitReward) {

  /** The uniform distribution. */
  public static final Tilt UNIFORM = new Tilt(0, 0, 0, 0);

  /** The current policy pi_theta. */
  public static final Tilt POLICY = new Tilt(1, 0, 0, 0);

  /** The reference policy pi_ref. */
  public static final Tilt REFERENCE = new Tilt(0, 1, 0, 0);

  /**
   * Validates that every exponent is finite.
   *
   * @param policy exponent of pi_theta
   * @param reference exponent of pi_ref
   * @param reward coefficient of the true reward r
   * @param implicitReward coefficient of the implicit reward beta * log(pi_theta / pi_ref)
   */
  public Tilt {
    requireFinite("policy", policy);
    requireFinite("reference", reference);
    requireFinite("reward", reward);
    requireFinite("implicitReward", implicitReward);
  }

  /**
   * The tilt proportional to exp(c * r).
   *
   * @param c the reward coefficient; +1 favours high rewards, -1 low ones
   * @return the tilt
   */
  public static Tilt ofReward(double c) {
    return new Tilt(0, 0, c, 0);
  }

  /**
   * The tilt proportional to exp(d * beta * log(pi_theta / pi_ref)).
   *
   * @param d the implicit-reward coefficient; +1 favours what the policy already prefers
   * @return the tilt
   */
  public static Tilt ofImplicitReward(double d) {
    return new Tilt(0, 0, 0, d);
  }

  /**
   * The logit-mixing tilt pi_theta^a * pi_ref^b, realised per token by an LM backend.
   *
   * @param a exponent of the policy
   * @param b exponent of the reference
   * @return the tilt
   */
  public static Tilt ofLogitMix(double a, double b) {
    return new Tilt(a, b, 0, 0);
  }

  /**
   * The unnormalised log-density of one response.
   *
   * @param logPolicy log pi_theta(y)
   * @param logReference log pi_ref(y)
   * @param reward r(y)
   * @param beta the objective's KL coefficient
   * @return log of the tilt's unnormalised weight of y
   */
  public double logWeight(double logPolicy, double logReference, double reward, double beta) {
    double w = 0;
    if (policy != 0) {
      w += policy * logPolicy;
    }
    if (reference != 0) {
      w += reference * logReference;
    }
    if (this.reward != 0) {
      w += this.reward * reward;
    }
    if (implicitReward != 0) {
      w += implicitReward * beta * (logPolicy - logReference);
    }
    return w;
  }

  /**
   * Whether the tilt depends on the true reward.
   *
   * @return true if {@code reward != 0}
   */
  public boolean usesReward() {
    return reward != 0;
  }

  /**
   * Whether the tilt depends on the current policy.
   *
   * @return true if the policy or implicit-reward exponent is non-zero
   */
  public boolean usesPolicy() {
    return policy != 0 || implicitReward != 0;
  }

  private static void requireFinite(String name, double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("tilt " + name + " must be finite, got " + value);
    }
  }
}
