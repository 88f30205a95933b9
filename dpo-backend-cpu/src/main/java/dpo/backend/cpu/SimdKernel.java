package dpo.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The ratio-form kernel on the Vector API: each row y is swept over y' > y in lanes of the
 * preferred width, with the row's own quantities broadcast; the last partial vector of a row goes
 * through the scalar row. Loaded reflectively, and only when the {@code jdk.incubator.vector}
 * module is present, so that the backend still runs without it.
 */
final class SimdKernel extends ExactKernel {
  private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;

  @Override
  String name() {
    return "simd";
  }

  @Override
  void ratioRow(
      LogisticInputs in, PairWeights w, int y, double smoothing, double[] grad, double[] acc) {
    int n = in.responses;
    int variables = w.variableCount();
    boolean symmetric = w.symmetric();
    double[] a = in.a;
    double[] e = in.e;
    double[] u = in.u;
    int lanes = SPECIES.length();
    DoubleVector constant = DoubleVector.broadcast(SPECIES, w.constant());
    DoubleVector cap = DoubleVector.broadcast(SPECIES, w.relativeCap());
    DoubleVector smoothingV = DoubleVector.broadcast(SPECIES, smoothing);
    DoubleVector slope = DoubleVector.broadcast(SPECIES, 1 - 2 * smoothing);
    DoubleVector one = DoubleVector.broadcast(SPECIES, 1);
    DoubleVector ay = DoubleVector.broadcast(SPECIES, a[y]);
    DoubleVector ey = DoubleVector.broadcast(SPECIES, e[y]);
    DoubleVector uy = DoubleVector.broadcast(SPECIES, u[y]);
    DoubleVector rowV = DoubleVector.zero(SPECIES);
    DoubleVector weightV = DoubleVector.zero(SPECIES);
    DoubleVector lossV = DoubleVector.zero(SPECIES);
    int y2 = y + 1;
    for (; y2 + lanes <= n; y2 += lanes) {
      DoubleVector forward = constant;
      for (int i = 0; i < variables; i++) {
        int k = w.variable(i);
        forward =
            DoubleVector.fromArray(SPECIES, w.colCoef(k), y2)
                .fma(DoubleVector.broadcast(SPECIES, w.rowCoef(k)[y]), forward);
      }
      DoubleVector weight;
      if (symmetric) {
        weight = forward.min(cap).mul(2);
      } else {
        DoubleVector backward = constant;
        for (int i = 0; i < variables; i++) {
          int k = w.variable(i);
          backward =
              DoubleVector.fromArray(SPECIES, w.rowCoef(k), y2)
                  .fma(DoubleVector.broadcast(SPECIES, w.colCoef(k)[y]), backward);
        }
        weight = forward.min(cap).add(backward.min(cap));
      }
      DoubleVector sum = ay.add(DoubleVector.fromArray(SPECIES, a, y2));
      DoubleVector q =
          ey.div(ey.add(DoubleVector.fromArray(SPECIES, e, y2))).fma(slope, smoothingV);
      DoubleVector g = weight.mul(ay.div(sum).sub(q));
      rowV = rowV.add(g);
      DoubleVector.fromArray(SPECIES, grad, y2).sub(g).intoArray(grad, y2);
      weightV = weightV.add(weight);
      // log(a_y + a_y') - q u_y - (1 - q) u_y'
      DoubleVector term =
          VectorLog.log(sum)
              .sub(q.mul(uy))
              .sub(one.sub(q).mul(DoubleVector.fromArray(SPECIES, u, y2)));
      lossV = weight.fma(term, lossV);
    }
    acc[0] += rowV.reduceLanes(VectorOperators.ADD);
    acc[1] += weightV.reduceLanes(VectorOperators.ADD);
    acc[2] += lossV.reduceLanes(VectorOperators.ADD);
    scalarRow(in, w, y, y2, smoothing, grad, acc);
  }
}
