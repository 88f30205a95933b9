package dpo.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
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

  /** Lanes of the sampled step: longs (draws, indices) and doubles, as many as SPECIES. */
  private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;

  private static final VectorSpecies<Integer> INTS =
      LONGS.length() == 8 ? IntVector.SPECIES_256 : IntVector.SPECIES_128;

  private static final long M1 = 0xbf58476d1ce4e5b9L;
  private static final long M2 = 0x94d049bb133111ebL;

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
    // min(w, +inf) = w: uncapped samplers skip the min, whose Java semantics (NaN, -0) take several
    // instructions per vector; a loop-invariant test, hoisted out of the loop by the JIT.
    boolean capped = f.cap() != Double.POSITIVE_INFINITY;
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
                .fma(r2, DoubleVector.fromArray(SPECIES, c1, y2).fma(r1, constant));
        if (capped) {
          weight = weight.min(cap);
        }
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
                .fma(r2, DoubleVector.fromArray(SPECIES, c1, y2).fma(r1, constant));
        if (capped) {
          weight = weight.min(cap);
        }
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

  /**
   * The sampled pairs in blocks: the draws of pair p come from seed + (4 p + 1..4) gamma, so every
   * lane generates its own (mix64 on long lanes); components, alias picks, labels, a_y + a_y', loss
   * terms and gradients are computed in lanes with the same operations as the scalar loop (table
   * entries and per-response values are loaded per lane into scratch arrays: JDK 17 boxes some of
   * these gathers), then {@link SampledPairs#addBlock} adds them in pair order, as the scalar loop
   * adds them. Samplers with one component (3 draws per pair), vector shapes without a matching int
   * species, and the pairs left over after the last whole vector run the scalar loop.
   */
  @Override
  void sampledPairs(SampledPairs s, LogisticInputs in, double smoothing, double beta, int count) {
    int lanes = SPECIES.length();
    int components = s.components;
    if (components == 1 || LONGS.length() != lanes || INTS.length() != lanes) {
      s.scalarPairs(in, smoothing, beta, 0, count);
      return;
    }
    int n = s.responses;
    long[] first = s.first;
    long[] second = s.second;
    double[] cdf = s.cdf;
    double[] a = in.a;
    double[] e = in.e;
    double[] u = in.u;
    int[] ys = s.ys;
    int[] y2s = s.y2s;
    double slope = 1 - 2 * smoothing;
    double labelOne = smoothing + slope;
    long gamma = s.gamma;
    long[] offsets = s.laneOffsets;
    for (int j = 0; j < lanes; j++) {
      offsets[j] = 4L * j * gamma;
    }
    LongVector laneOffset = LongVector.fromArray(LONGS, offsets, 0);
    int[] index = s.index;
    long[] entries = s.entries;
    double[] values = s.values;
    int done = 0;
    while (count - done >= lanes) {
      int block = Math.min(SampledPairs.BLOCK, (count - done) / lanes * lanes);
      long seed = s.seed;
      for (int j = 0; j < block; j += lanes) {
        // Written out in one body (no helpers taking vectors), so that no vector is boxed.
        LongVector pair = laneOffset.add(seed + 4L * j * gamma);
        LongVector z = pair.add(gamma);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(M1);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(M2);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
        DoubleVector pick =
            ((DoubleVector) z.lanewise(VectorOperators.LSHR, 11).convert(VectorOperators.L2D, 0))
                .mul(0x1.0p-53);
        LongVector k = LongVector.zero(LONGS);
        for (int i = 0; i < components - 1; i++) {
          // 1 where pick >= cdf[i]: 1 - the sign bit of pick - cdf[i] (as the scalar loop).
          k =
              k.sub(pick.sub(cdf[i]).reinterpretAsLongs().lanewise(VectorOperators.LSHR, 63))
                  .add(1);
        }
        LongVector offset = k.mul(n);
        // AliasTable.pick: the column from the high half, the packed entry looked up, the column
        // kept where the low half is below its threshold, else its alias.
        z = pair.add(2 * gamma);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(M1);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(M2);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
        LongVector column =
            z.lanewise(VectorOperators.LSHR, 32).mul(n).lanewise(VectorOperators.LSHR, 32);
        ((IntVector) offset.add(column).convertShape(VectorOperators.L2I, INTS, 0))
            .intoArray(index, 0);
        for (int l = 0; l < lanes; l++) {
          entries[l] = first[index[l]];
        }
        LongVector entry = LongVector.fromArray(LONGS, entries, 0);
        LongVector y =
            entry
                .lanewise(VectorOperators.LSHR, 33)
                .blend(
                    column,
                    z.and(0xFFFFFFFFL)
                        .compare(VectorOperators.LT, entry.and(AliasTable.THRESHOLD)));
        z = pair.add(3 * gamma);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(M1);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(M2);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
        column = z.lanewise(VectorOperators.LSHR, 32).mul(n).lanewise(VectorOperators.LSHR, 32);
        ((IntVector) offset.add(column).convertShape(VectorOperators.L2I, INTS, 0))
            .intoArray(index, lanes);
        for (int l = lanes; l < 2 * lanes; l++) {
          entries[l] = second[index[l]];
        }
        entry = LongVector.fromArray(LONGS, entries, lanes);
        LongVector y2 =
            entry
                .lanewise(VectorOperators.LSHR, 33)
                .blend(
                    column,
                    z.and(0xFFFFFFFFL)
                        .compare(VectorOperators.LT, entry.and(AliasTable.THRESHOLD)));
        z = pair.add(4 * gamma);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(M1);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(M2);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
        DoubleVector draw =
            ((DoubleVector) z.lanewise(VectorOperators.LSHR, 11).convert(VectorOperators.L2D, 0))
                .mul(0x1.0p-53);
        ((IntVector) y.convertShape(VectorOperators.L2I, INTS, 0)).intoArray(ys, j);
        ((IntVector) y2.convertShape(VectorOperators.L2I, INTS, 0)).intoArray(y2s, j);
        for (int l = 0; l < lanes; l++) {
          int r = ys[j + l];
          int r2 = y2s[j + l];
          values[l] = e[r];
          values[lanes + l] = e[r2];
          values[2 * lanes + l] = a[r];
          values[3 * lanes + l] = a[r2];
          values[4 * lanes + l] = u[r];
          values[5 * lanes + l] = u[r2];
        }
        DoubleVector ey = DoubleVector.fromArray(SPECIES, values, 0);
        DoubleVector ey2 = DoubleVector.fromArray(SPECIES, values, lanes);
        DoubleVector ay = DoubleVector.fromArray(SPECIES, values, 2 * lanes);
        DoubleVector ay2 = DoubleVector.fromArray(SPECIES, values, 3 * lanes);
        DoubleVector uy = DoubleVector.fromArray(SPECIES, values, 4 * lanes);
        DoubleVector uy2 = DoubleVector.fromArray(SPECIES, values, 5 * lanes);
        // The label is the sign bit of u (e_y + e_y') - e_y, which is never -0: label 1 where it
        // is below 0, and q = s + (1 - 2s) label takes one of two values.
        VectorMask<Double> label = draw.mul(ey.add(ey2)).sub(ey).compare(VectorOperators.LT, 0);
        DoubleVector q = DoubleVector.broadcast(SPECIES, smoothing).blend(labelOne, label);
        DoubleVector sum = ay.add(ay2);
        sum.intoArray(s.sums, j);
        q.mul(uy).add(q.neg().add(1).mul(uy2)).intoArray(s.terms, j);
        ay.div(sum).sub(q).mul(beta).intoArray(s.steps, j);
      }
      s.seed = seed + 4L * block * gamma;
      s.addBlock(block);
      done += block;
    }
    s.scalarPairs(in, smoothing, beta, done, count);
  }
}
