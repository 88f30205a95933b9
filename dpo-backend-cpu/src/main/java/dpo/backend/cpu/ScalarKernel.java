package dpo.backend.cpu;

import java.util.Arrays;

/** The reference kernel in plain Java; also the fallback where the Vector API is absent. */
final class ScalarKernel extends ExactKernel {

  @Override
  String name() {
    return "scalar";
  }

  @Override
  void ratioSums(
      LogisticInputs in, PairWeights w, double beta, double smoothing, double[] grad, double[] out) {
    int n = in.responses;
    double[] acc = in.acc;
    acc[1] = 0;
    acc[2] = 0;
    double weightSum = 0;
    double loss = 0;
    Arrays.fill(grad, 0, n, 0);
    for (int y = 0; y < n; y++) {
      double diagonal = diagonal(w, y);
      weightSum += diagonal;
      loss += diagonal * LOG_2;
      acc[0] = 0;
      scalarRow(in, w, y, y + 1, smoothing, grad, acc);
      grad[y] += acc[0];
    }
    for (int y = 0; y < n; y++) {
      grad[y] *= beta;
    }
    out[0] = weightSum + acc[1];
    out[1] = loss + acc[2];
  }
}
