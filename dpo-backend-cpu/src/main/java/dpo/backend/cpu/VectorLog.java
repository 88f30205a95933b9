package dpo.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Natural logarithm of positive normal doubles, lane-wise, within about one ulp of {@link
 * Math#log}. The argument is split as 2^k * m with m in [sqrt(2)/2, sqrt(2)); with f = m - 1 and s
 * = f / (2 + f), log m = f - f^2/2 + s (f^2/2 + R(s^2)) where R is the classic degree-7 minimax
 * polynomial (the coefficients of fdlibm's e_log.c, which are facts about the function), and k ln 2
 * is added in two parts to keep its rounding error out of the result. Written out on the Vector API
 * because the generic lane-wise LOG costs as much as the rest of the kernel.
 */
final class VectorLog {
  private static final double LN2_HI = 6.93147180369123816490e-01;
  private static final double LN2_LO = 1.90821492927058770002e-10;
  private static final double LG1 = 6.666666666666735130e-01;
  private static final double LG2 = 3.999999999940941908e-01;
  private static final double LG3 = 2.857142874366239149e-01;
  private static final double LG4 = 2.222219843214978396e-01;
  private static final double LG5 = 1.818357216161805012e-01;
  private static final double LG6 = 1.531383769920937332e-01;
  private static final double LG7 = 1.479819860511658591e-01;
  private static final double SQRT2 = 1.4142135623730951;
  private static final long MANTISSA = 0x000FFFFFFFFFFFFFL;
  private static final long ONE_BITS = 0x3FF0000000000000L;

  private VectorLog() {}

  /**
   * log(x) for every lane; lanes must hold positive normal numbers.
   *
   * @param x the argument
   * @return the natural logarithm
   */
  static DoubleVector log(DoubleVector x) {
    VectorSpecies<Double> species = x.species();
    LongVector bits = x.reinterpretAsLongs();
    LongVector biased = bits.lanewise(VectorOperators.LSHR, 52);
    DoubleVector k = (DoubleVector) biased.sub(1023).convert(VectorOperators.L2D, 0);
    DoubleVector m = bits.and(MANTISSA).or(ONE_BITS).reinterpretAsDoubles();
    VectorMask<Double> high = m.compare(VectorOperators.GT, SQRT2);
    m = m.blend(m.mul(0.5), high);
    k = k.blend(k.add(1), high);
    DoubleVector f = m.sub(1);
    DoubleVector s = f.div(f.add(2));
    DoubleVector z = s.mul(s);
    DoubleVector w = z.mul(z);
    DoubleVector t1 =
        w.fma(DoubleVector.broadcast(species, LG6), DoubleVector.broadcast(species, LG4));
    t1 = w.fma(t1, DoubleVector.broadcast(species, LG2)).mul(w);
    DoubleVector t2 =
        w.fma(DoubleVector.broadcast(species, LG7), DoubleVector.broadcast(species, LG5));
    t2 = w.fma(t2, DoubleVector.broadcast(species, LG3));
    t2 = w.fma(t2, DoubleVector.broadcast(species, LG1)).mul(z);
    DoubleVector r = t1.add(t2);
    DoubleVector halfSquare = f.mul(f).mul(0.5);
    // k ln2_hi - ((hfsq - (s (hfsq + R) + k ln2_lo)) - f)
    DoubleVector inner = s.fma(halfSquare.add(r), k.mul(LN2_LO));
    return k.mul(LN2_HI).sub(halfSquare.sub(inner).sub(f));
  }
}
