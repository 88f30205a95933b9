package dpo.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The ratio-form kernel on the Vector API: each pass of row y sweeps y' > y in lanes of the
 * preferred width, with the row's own quantities broadcast; the last partial vector of a row goes
 * through the scalar code. Loaded reflectively, and only when the {@code jdk.incubator.vector}
 * module is present, so that the backend still runs without it.
 */
final class SimdKernel extends ExactKernel {
  private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;

  @Override
  String name() {
    return "simd";
  }

  @Override
  void weightRow(LogisticInputs in, PairWeights w, int y) {
    int n = in.responses;
    int lanes = SPECIES.length();
    int from = y + 1;
    int end = from + (n - from) / lanes * lanes;
    int variables = w.variableCount();
    double[] forward = in.weight;
    DoubleVector constant = DoubleVector.broadcast(SPECIES, w.constant());
    DoubleVector cap = DoubleVector.broadcast(SPECIES, w.relativeCap());
    for (int y2 = from; y2 < end; y2 += lanes) {
      constant.intoArray(forward, y2);
    }
    for (int i = 0; i < variables; i++) {
      int k = w.variable(i);
      addProducts(forward, w.rowCoef(k)[y], w.colCoef(k), from, end);
    }
    if (w.symmetric()) {
      for (int y2 = from; y2 < end; y2 += lanes) {
        DoubleVector.fromArray(SPECIES, forward, y2).min(cap).mul(2).intoArray(forward, y2);
      }
    } else {
      double[] backward = in.backward;
      for (int y2 = from; y2 < end; y2 += lanes) {
        constant.intoArray(backward, y2);
      }
      for (int i = 0; i < variables; i++) {
        int k = w.variable(i);
        addProducts(backward, w.colCoef(k)[y], w.rowCoef(k), from, end);
      }
      for (int y2 = from; y2 < end; y2 += lanes) {
        DoubleVector.fromArray(SPECIES, forward, y2)
            .min(cap)
            .add(DoubleVector.fromArray(SPECIES, backward, y2).min(cap))
            .intoArray(forward, y2);
      }
    }
    scalarWeights(in, w, y, end);
  }

  /** out[i] += factor * v[i] over [from, end), a whole number of vectors. */
  private static void addProducts(double[] out, double factor, double[] v, int from, int end) {
    DoubleVector f = DoubleVector.broadcast(SPECIES, factor);
    for (int i = from; i < end; i += SPECIES.length()) {
      DoubleVector.fromArray(SPECIES, v, i)
          .fma(f, DoubleVector.fromArray(SPECIES, out, i))
          .intoArray(out, i);
    }
  }

  @Override
  void ratioRow(LogisticInputs in, int y, double smoothing, double[] grad, double[] acc) {
    int n = in.responses;
    double[] a = in.a;
    double[] e = in.e;
    double[] u = in.u;
    double[] weights = in.weight;
    int lanes = SPECIES.length();
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
      DoubleVector weight = DoubleVector.fromArray(SPECIES, weights, y2);
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
    scalarRow(in, y, y2, smoothing, grad, acc);
  }

  @Override
  void gradientRow(LogisticInputs in, int y, double smoothing, double[] grad, double[] acc) {
    int n = in.responses;
    double[] a = in.a;
    double[] e = in.e;
    double[] weights = in.weight;
    int lanes = SPECIES.length();
    DoubleVector smoothingV = DoubleVector.broadcast(SPECIES, smoothing);
    DoubleVector labelY = DoubleVector.broadcast(SPECIES, (1 - 2 * smoothing) * e[y]);
    DoubleVector ay = DoubleVector.broadcast(SPECIES, a[y]);
    DoubleVector ey = DoubleVector.broadcast(SPECIES, e[y]);
    DoubleVector rowV = DoubleVector.zero(SPECIES);
    DoubleVector weightV = DoubleVector.zero(SPECIES);
    int y2 = y + 1;
    for (; y2 + lanes <= n; y2 += lanes) {
      DoubleVector weight = DoubleVector.fromArray(SPECIES, weights, y2);
      DoubleVector sumA = ay.add(DoubleVector.fromArray(SPECIES, a, y2));
      DoubleVector sumE = ey.add(DoubleVector.fromArray(SPECIES, e, y2));
      // a_y E - A (s E + (1 - 2s) e_y), over A E: one division.
      DoubleVector numerator = ay.mul(sumE).sub(sumA.mul(sumE.fma(smoothingV, labelY)));
      DoubleVector g = weight.mul(numerator).div(sumA.mul(sumE));
      rowV = rowV.add(g);
      DoubleVector.fromArray(SPECIES, grad, y2).sub(g).intoArray(grad, y2);
      weightV = weightV.add(weight);
    }
    acc[0] += rowV.reduceLanes(VectorOperators.ADD);
    acc[1] += weightV.reduceLanes(VectorOperators.ADD);
    scalarGradientRow(in, y, y2, smoothing, grad, acc);
  }

  @Override
  void pairedRow(
      LogisticInputs in, PairFactors f, int y, double smoothing, double[] grad, double[] acc) {
    int n = in.responses;
    double[] a = in.a;
    double[] e = in.e;
    double[] c1 = f.c1();
    double[] c2 = f.c2();
    int lanes = SPECIES.length();
    DoubleVector constant = DoubleVector.broadcast(SPECIES, f.constant());
    DoubleVector cap = DoubleVector.broadcast(SPECIES, f.cap());
    DoubleVector r1 = DoubleVector.broadcast(SPECIES, 2 * f.r1()[y]);
    DoubleVector r2 = DoubleVector.broadcast(SPECIES, 2 * f.r2()[y]);
    DoubleVector ay = DoubleVector.broadcast(SPECIES, a[y]);
    DoubleVector ey = DoubleVector.broadcast(SPECIES, e[y]);
    DoubleVector rowV = DoubleVector.zero(SPECIES);
    DoubleVector weightV = DoubleVector.zero(SPECIES);
    int y2 = y + 1;
    if (smoothing == 0) {
      DoubleVector negEy = ey.neg();
      for (; y2 + lanes <= n; y2 += lanes) {
        DoubleVector weight =
            DoubleVector.fromArray(SPECIES, c2, y2)
                .fma(r2, DoubleVector.fromArray(SPECIES, c1, y2).fma(r1, constant))
                .min(cap);
        DoubleVector a2 = DoubleVector.fromArray(SPECIES, a, y2);
        DoubleVector e2 = DoubleVector.fromArray(SPECIES, e, y2);
        // a_y e_y' - e_y a_y' over (a_y + a_y') (e_y + e_y'): one division.
        DoubleVector numerator = e2.fma(ay, a2.mul(negEy));
        DoubleVector g = weight.mul(numerator).div(ay.add(a2).mul(ey.add(e2)));
        rowV = rowV.add(g);
        DoubleVector.fromArray(SPECIES, grad, y2).sub(g).intoArray(grad, y2);
        weightV = weightV.add(weight);
      }
    } else {
      DoubleVector smoothingV = DoubleVector.broadcast(SPECIES, smoothing);
      DoubleVector labelY = DoubleVector.broadcast(SPECIES, (1 - 2 * smoothing) * e[y]);
      for (; y2 + lanes <= n; y2 += lanes) {
        DoubleVector weight =
            DoubleVector.fromArray(SPECIES, c2, y2)
                .fma(r2, DoubleVector.fromArray(SPECIES, c1, y2).fma(r1, constant))
                .min(cap);
        DoubleVector sumA = ay.add(DoubleVector.fromArray(SPECIES, a, y2));
        DoubleVector sumE = ey.add(DoubleVector.fromArray(SPECIES, e, y2));
        DoubleVector numerator = ay.mul(sumE).sub(sumA.mul(sumE.fma(smoothingV, labelY)));
        DoubleVector g = weight.mul(numerator).div(sumA.mul(sumE));
        rowV = rowV.add(g);
        DoubleVector.fromArray(SPECIES, grad, y2).sub(g).intoArray(grad, y2);
        weightV = weightV.add(weight);
      }
    }
    acc[0] += rowV.reduceLanes(VectorOperators.ADD);
    acc[1] += weightV.reduceLanes(VectorOperators.ADD);
    scalarPairedRow(in, f, y, y2, smoothing, grad, acc);
  }
}
