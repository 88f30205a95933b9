package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embeddings in the Llama convention: the head is split into halves (x1, x2),
 * frequency i rotates the pair (x1[i], x2[i]) by the angle position * inverseFrequency[i], that is
 * x cos + rotateHalf(x) sin with rotateHalf(x) = (-x2, x1). Angles are computed on the host in
 * double precision.
 */
final class Rotary {
  private Rotary() {}

  /**
   * theta^(-2i / headDim) for i below headDim / 2, with Llama 3's scaling when configured: long
   * wavelengths (beyond original / lowFreqFactor) are divided by factor, short ones (below original
   * / highFreqFactor) kept, and those between interpolated smoothly.
   */
  static double[] inverseFrequencies(GptArchitecture a) {
    int half = a.headDim() / 2;
    double[] inverse = new double[half];
    for (int i = 0; i < half; i++) {
      inverse[i] = 1.0 / Math.pow(a.ropeTheta(), (2.0 * i) / a.headDim());
    }
    GptArchitecture.RopeScaling s = a.ropeScaling();
    if (s != null) {
      double lowWavelength = s.originalContext() / s.lowFreqFactor();
      double highWavelength = s.originalContext() / s.highFreqFactor();
      for (int i = 0; i < half; i++) {
        double wavelength = 2 * Math.PI / inverse[i];
        if (wavelength > lowWavelength) {
          inverse[i] /= s.factor();
        } else if (wavelength >= highWavelength) {
          double smooth =
              (s.originalContext() / wavelength - s.lowFreqFactor())
                  / (s.highFreqFactor() - s.lowFreqFactor());
          inverse[i] = (1 - smooth) * inverse[i] / s.factor() + smooth * inverse[i];
        }
      }
    }
    return inverse;
  }

  /** {cos, sin} of (batch, 1, tokens, headDim) for int64 positions (batch, tokens). */
  static NDArray[] cosSin(NDArray positions, double[] inverse) {
    NDManager m = positions.getManager();
    long[] p = positions.toLongArray();
    int half = inverse.length;
    int dim = 2 * half;
    float[] cos = new float[p.length * dim];
    float[] sin = new float[p.length * dim];
    for (int t = 0; t < p.length; t++) {
      for (int i = 0; i < half; i++) {
        double angle = p[t] * inverse[i];
        float c = (float) Math.cos(angle);
        float s = (float) Math.sin(angle);
        cos[t * dim + i] = c;
        cos[t * dim + half + i] = c;
        sin[t * dim + i] = s;
        sin[t * dim + half + i] = s;
      }
    }
    Shape shape = new Shape(positions.getShape().get(0), 1, positions.getShape().get(1), dim);
    return new NDArray[] {
      m.create(cos, shape).toDevice(positions.getDevice(), false),
      m.create(sin, shape).toDevice(positions.getDevice(), false)
    };
  }

  /** Rotates (batch, heads, tokens, headDim) by {@link #cosSin}'s angles. */
  static NDArray apply(NDArray x, NDArray[] cosSin) {
    NDArray[] halves = x.split(2, 3).toArray(new NDArray[0]);
    NDArray rotated = halves[1].neg().concat(halves[0], 3);
    return x.mul(cosSin[0]).add(rotated.mul(cosSin[1]));
  }
}
