package dpo.backend.cpu;

/** The reference kernel in plain Java; also the fallback where the Vector API is absent. */
final class ScalarKernel extends ExactKernel {

  @Override
  String name() {
    return "scalar";
  }

  @Override
  void ratioRow(
      LogisticInputs in, PairWeights w, int y, double smoothing, double[] grad, double[] acc) {
    scalarRow(in, w, y, y + 1, smoothing, grad, acc);
  }
}
