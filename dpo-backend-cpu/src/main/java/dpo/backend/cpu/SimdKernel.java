package dpo.backend.cpu;

import jdk.incubator.vector.DoubleVector;
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
   * terms and gradients are computed in lanes with the same operations as the scalar loop, then
   * {@link SampledPairs#addBlock} adds them in pair order, as the scalar loop adds them. Samplers
   * with one component (3 draws per pair), vector shapes without matching long lanes, and the pairs
   * left over after the last whole vector run the scalar loop.
   *
   * <p>A block runs as a sequence of {@link #PASSES} over arrays of the block's pairs, so that C2
   * compiles each hot loop the same way in every JVM. Two things made the one-method loop of
   * earlier versions run 3x slower in some JVMs (allocating about 700 MB per step: boxed vectors),
   * depending on what ran before it: a vector live across an inner loop's header or an OSR entry is
   * a heap object on JDK 17, and a method that inlines many Vector API calls reaches C2's node
   * limit (NodeCountInliningCutoff) part-way through one, whose intrinsic then fails and boxes.
   * Here no vector outlives one iteration of the loop that makes it, and the passes are called
   * through one call site of five receiver types, which C2 never inlines (a megamorphic site): each
   * pass is compiled on its own, far below the limit, and the method calling them holds no vector.
   */
  @Override
  void sampledPairs(SampledPairs s, LogisticInputs in, double smoothing, double beta, int count) {
    int lanes = SPECIES.length();
    if (s.components == 1 || LONGS.length() != lanes) {
      s.scalarPairs(in, smoothing, beta, 0, count);
      return;
    }
    int done = 0;
    while (count - done >= lanes) {
      int block = Math.min(SampledPairs.BLOCK, (count - done) / lanes * lanes);
      for (Pass pass : PASSES) {
        pass.run(s, in, block, smoothing, beta);
      }
      s.seed += 4L * block * s.gamma;
      s.addBlock(block);
      done += block;
    }
    s.scalarPairs(in, smoothing, beta, done, count);
  }

  /** One pass of the sampled step over the {@code block} pairs of a block, in order. */
  private abstract static class Pass {
    abstract void run(SampledPairs s, LogisticInputs in, int block, double smoothing, double beta);
  }

  private static final Pass[] PASSES = {
    new Draws(), new Components(), new Picks(), new ResponseValues(), new PairTerms()
  };

  /**
   * Pair j of the block draws mix64(seed + (4 j + d) gamma) into {@code draws[d - 1]}: d = 1 the
   * component, 2 and 3 the two alias picks, 4 the label.
   */
  private static final class Draws extends Pass {
    @Override
    void run(SampledPairs s, LogisticInputs in, int block, double smoothing, double beta) {
      for (int d = 0; d < 4; d++) {
        mix(s.draws[d], block, s.seed + (d + 1) * s.gamma, 4 * s.gamma);
      }
    }
  }

  /** Each pair's component, counted as {@link PairWeights#component} counts it. */
  private static final class Components extends Pass {
    @Override
    void run(SampledPairs s, LogisticInputs in, int block, double smoothing, double beta) {
      java.util.Arrays.fill(s.component, 0, block, 0);
      uniforms(s.draws[0], s.uniform, block);
      for (int i = 0; i < s.components - 1; i++) {
        components(s.uniform, s.cdf[i], s.component, block);
      }
    }
  }

  /**
   * Each pair's two responses, drawn from its component's alias tables ({@link AliasTable#pick}).
   */
  private static final class Picks extends Pass {
    @Override
    void run(SampledPairs s, LogisticInputs in, int block, double smoothing, double beta) {
      int n = s.responses;
      tableIndices(s.draws[1], s.component, n, s.firstPick, block);
      tableIndices(s.draws[2], s.component, n, s.secondPick, block);
      lookUp(s.first, s.firstPick, block);
      lookUp(s.second, s.secondPick, block);
      aliasPicks(s.draws[1], n, s.firstPick, block);
      aliasPicks(s.draws[2], n, s.secondPick, block);
    }
  }

  /**
   * The pairs' responses into {@code ys} and {@code y2s}, and their e, a and u side by side in
   * {@code values} (e_y, e_y', a_y, a_y', u_y, u_y', BLOCK apart), in plain Java.
   */
  private static final class ResponseValues extends Pass {
    @Override
    void run(SampledPairs s, LogisticInputs in, int block, double smoothing, double beta) {
      double[] a = in.a;
      double[] e = in.e;
      double[] u = in.u;
      long[] first = s.firstPick;
      long[] second = s.secondPick;
      int[] ys = s.ys;
      int[] y2s = s.y2s;
      double[] values = s.values;
      int b = SampledPairs.BLOCK;
      for (int j = 0; j < block; j++) {
        int r = (int) first[j];
        int r2 = (int) second[j];
        ys[j] = r;
        y2s[j] = r2;
        values[j] = e[r];
        values[b + j] = e[r2];
        values[2 * b + j] = a[r];
        values[3 * b + j] = a[r2];
        values[4 * b + j] = u[r];
        values[5 * b + j] = u[r2];
      }
    }
  }

  /** Each pair's label, a_y + a_y', loss term and gradient ({@link #pairTerms}). */
  private static final class PairTerms extends Pass {
    @Override
    void run(SampledPairs s, LogisticInputs in, int block, double smoothing, double beta) {
      pairTerms(s, smoothing, beta, block);
    }
  }

  /** Lane numbers 0, 1, 2, ...: the lanes' positions in a vector of pairs. */
  private static final long[] IOTA = new long[64];

  static {
    for (int l = 0; l < IOTA.length; l++) {
      IOTA[l] = l;
    }
  }

  /** out[j] = mix64(start + j * stride) for j in [0, count), count a whole number of vectors. */
  private static void mix(long[] out, int count, long start, long stride) {
    for (int j = 0; j < count; j += LONGS.length()) {
      LongVector z = LongVector.fromArray(LONGS, IOTA, 0).mul(stride).add(start + j * stride);
      z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(M1);
      z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(M2);
      z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31)).intoArray(out, j);
    }
  }

  /**
   * out[j] = the uniform double in [0, 1) of draws[j], its top 53 bits as {@link SplitMix#toDouble}
   * makes it.
   */
  private static void uniforms(long[] draws, double[] out, int count) {
    for (int j = 0; j < count; j += LONGS.length()) {
      ((DoubleVector)
              LongVector.fromArray(LONGS, draws, j)
                  .lanewise(VectorOperators.LSHR, 11)
                  .convert(VectorOperators.L2D, 0))
          .mul(0x1.0p-53)
          .intoArray(out, j);
    }
  }

  /**
   * Adds 1 to k[j] where picks[j] is at least {@code bound}: 1 - the sign bit of pick - bound, as
   * {@link PairWeights#component} counts.
   */
  private static void components(double[] picks, double bound, long[] k, int count) {
    for (int j = 0; j < count; j += LONGS.length()) {
      LongVector.fromArray(LONGS, k, j)
          .sub(
              DoubleVector.fromArray(SPECIES, picks, j)
                  .sub(bound)
                  .reinterpretAsLongs()
                  .lanewise(VectorOperators.LSHR, 63))
          .add(1)
          .intoArray(k, j);
    }
  }

  /**
   * The entry of the flat alias tables that each draw looks up ({@link AliasTable#pick}): its
   * component's table at k n, the column from the draw's high half by multiply-shift.
   */
  private static void tableIndices(long[] draws, long[] k, int n, long[] out, int count) {
    for (int j = 0; j < count; j += LONGS.length()) {
      LongVector column =
          LongVector.fromArray(LONGS, draws, j)
              .lanewise(VectorOperators.LSHR, 32)
              .mul(n)
              .lanewise(VectorOperators.LSHR, 32);
      LongVector.fromArray(LONGS, k, j).mul(n).add(column).intoArray(out, j);
    }
  }

  /** Replaces each index by the packed table entry at it (a gather, in plain Java). */
  private static void lookUp(long[] table, long[] indices, int count) {
    for (int j = 0; j < count; j++) {
      indices[j] = table[(int) indices[j]];
    }
  }

  /**
   * Replaces each packed entry by the response it draws ({@link AliasTable#pick}): the column where
   * the draw's low half is below the entry's threshold, else its alias.
   */
  private static void aliasPicks(long[] draws, int n, long[] entries, int count) {
    for (int j = 0; j < count; j += LONGS.length()) {
      LongVector z = LongVector.fromArray(LONGS, draws, j);
      LongVector column =
          z.lanewise(VectorOperators.LSHR, 32).mul(n).lanewise(VectorOperators.LSHR, 32);
      LongVector entry = LongVector.fromArray(LONGS, entries, j);
      entry
          .lanewise(VectorOperators.LSHR, 33)
          .blend(
              column,
              z.and(0xFFFFFFFFL).compare(VectorOperators.LT, entry.and(AliasTable.THRESHOLD)))
          .intoArray(entries, j);
    }
  }

  /**
   * Each pair's label, a_y + a_y', loss term q u_y + (1 - q) u_y' and gradient beta (a_y / (a_y +
   * a_y') - q) into {@code sums}, {@code terms} and {@code steps}, as the scalar loop computes
   * them.
   */
  private static void pairTerms(SampledPairs s, double smoothing, double beta, int count) {
    double[] values = s.values;
    double[] uniform = s.uniform;
    uniforms(s.draws[3], uniform, count);
    double labelOne = smoothing + (1 - 2 * smoothing);
    int b = SampledPairs.BLOCK;
    for (int j = 0; j < count; j += SPECIES.length()) {
      DoubleVector draw = DoubleVector.fromArray(SPECIES, uniform, j);
      DoubleVector ey = DoubleVector.fromArray(SPECIES, values, j);
      DoubleVector ey2 = DoubleVector.fromArray(SPECIES, values, b + j);
      DoubleVector ay = DoubleVector.fromArray(SPECIES, values, 2 * b + j);
      DoubleVector ay2 = DoubleVector.fromArray(SPECIES, values, 3 * b + j);
      DoubleVector uy = DoubleVector.fromArray(SPECIES, values, 4 * b + j);
      DoubleVector uy2 = DoubleVector.fromArray(SPECIES, values, 5 * b + j);
      // The label is the sign bit of u (e_y + e_y') - e_y, which is never -0: label 1 where it is
      // below 0, and q = s + (1 - 2s) label takes one of two values.
      VectorMask<Double> label = draw.mul(ey.add(ey2)).sub(ey).compare(VectorOperators.LT, 0);
      DoubleVector q = DoubleVector.broadcast(SPECIES, smoothing).blend(labelOne, label);
      DoubleVector sum = ay.add(ay2);
      sum.intoArray(s.sums, j);
      q.mul(uy).add(q.neg().add(1).mul(uy2)).intoArray(s.terms, j);
      ay.div(sum).sub(q).mul(beta).intoArray(s.steps, j);
    }
  }
}
