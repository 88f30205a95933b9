package dpo.backend.cpu;

/** The reference kernel in plain Java; also the fallback where the Vector API is absent. */
final class ScalarKernel extends ExactKernel {

  @Override
  String name() {
    return "scalar";
  }

  @Override
  void ratioRow(LogisticInputs in, int y, double smoothing, double[] grad, double[] acc) {
    scalarRow(in, y, y + 1, smoothing, grad, acc);
  }

  @Override
  void gradientRow(LogisticInputs in, int y, double smoothing, double[] grad, double[] acc) {
    scalarGradientRow(in, y, y + 1, smoothing, grad, acc);
  }

  @Override
  void pairedRow(
      LogisticInputs in, PairFactors f, int y, double smoothing, double[] grad, double[] acc) {
    scalarPairedRow(in, f, y, y + 1, smoothing, grad, acc);
  }
}
