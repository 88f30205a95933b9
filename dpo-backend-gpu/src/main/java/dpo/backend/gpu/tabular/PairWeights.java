package dpo.backend.gpu.tabular;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dpo.api.sampler.PairComponent;
import dpo.api.sampler.Sampler;
import dpo.api.sampler.Tilt;
import java.util.List;

/**
 * A sampler's unnormalised pair weights C(y, y') for a block of prompts, as B x Y x Y arrays. Every
 * quantity stays in log space (log C = logsumexp over components of log weight + log f(y) + log
 * g(y'), capped by min with log cap), so tilts such as e^(beta theta) with beta theta in the
 * hundreds neither overflow nor lose precision. The arrays are constants of a step: callers build
 * them from detached inputs.
 *
 * @param logC log C(y, y'), shape (B, Y, Y)
 * @param logZ log of the sum of C over all ordered pairs, shape (B)
 */
record PairWeights(NDArray logC, NDArray logZ) {

  /**
   * Evaluates a sampler on a block of prompts.
   *
   * @param sampler the sampler
   * @param logPolicy log pi_theta, shape (B, Y)
   * @param rewards the rewards, shape (B, Y)
   * @param logReference log pi_ref of every response (the reference is uniform)
   * @param beta the objective's KL coefficient
   * @param caps the sampler's weight cap of each of the B prompts (+inf for none)
   * @param scope where the arrays live
   * @return the weights
   * @throws IllegalArgumentException if no component has a positive weight or a cap is not > 0
   */
  static PairWeights evaluate(
      Sampler sampler,
      NDArray logPolicy,
      NDArray rewards,
      double logReference,
      double beta,
      double[] caps,
      NDManager scope) {
    List<PairComponent> parts = sampler.components();
    NDArray logC = null;
    for (PairComponent c : parts) {
      if (c.weight() == 0) {
        // Contributes nothing; log 0 would only bring -inf into the log-sum-exp.
        continue;
      }
      NDArray logF = logTilt(c.first(), logPolicy, rewards, logReference, beta);
      NDArray logG = logTilt(c.second(), logPolicy, rewards, logReference, beta);
      if (c.scale() == PairComponent.Scale.NORMALISED) {
        logF = logF.sub(logSumExp(logF).expandDims(1));
        logG = logG.sub(logSumExp(logG).expandDims(1));
      }
      NDArray term = logF.expandDims(2).add(logG.expandDims(1)).add(Math.log(c.weight()));
      logC = logC == null ? term : logAddExp(logC, term);
    }
    if (logC == null) {
      throw new IllegalArgumentException("sampler has no component with a positive weight");
    }
    double[] logCaps = new double[caps.length];
    boolean capped = false;
    for (int i = 0; i < caps.length; i++) {
      if (!(caps[i] > 0)) {
        throw new IllegalArgumentException("sampler weight cap must be > 0, got " + caps[i]);
      }
      logCaps[i] = Math.log(caps[i]);
      capped |= caps[i] != Double.POSITIVE_INFINITY;
    }
    if (capped) {
      logC = logC.minimum(scope.create(logCaps, new Shape(caps.length, 1, 1)));
    }
    return new PairWeights(logC, logSumExp(logC.reshape(caps.length, -1)));
  }

  /**
   * W = C / Z, the probability of every ordered pair.
   *
   * @return shape (B, Y, Y)
   */
  NDArray probabilities() {
    return logC.sub(logZ.expandDims(1).expandDims(2)).exp();
  }

  /** The tilt's unnormalised log weight of every response, as {@link Tilt#logWeight} defines it. */
  private static NDArray logTilt(
      Tilt tilt, NDArray logPolicy, NDArray rewards, double logReference, double beta) {
    NDArray w = logPolicy.zerosLike();
    if (tilt.policy() != 0) {
      w = w.add(logPolicy.mul(tilt.policy()));
    }
    if (tilt.reference() != 0) {
      w = w.add(tilt.reference() * logReference);
    }
    if (tilt.reward() != 0) {
      w = w.add(rewards.mul(tilt.reward()));
    }
    if (tilt.implicitReward() != 0) {
      w = w.add(logPolicy.sub(logReference).mul(tilt.implicitReward() * beta));
    }
    return w;
  }

  /** log(e^a + e^b) elementwise, both finite. */
  private static NDArray logAddExp(NDArray a, NDArray b) {
    NDArray max = a.maximum(b);
    return max.add(a.sub(max).exp().add(b.sub(max).exp()).log());
  }

  /** log sum exp of each row of a (B, n) array, shifted by the row's maximum against overflow. */
  private static NDArray logSumExp(NDArray x) {
    NDArray max = x.max(new int[] {1}, true);
    return x.sub(max).exp().sum(new int[] {1}).log().add(max.squeeze(1));
  }
}
