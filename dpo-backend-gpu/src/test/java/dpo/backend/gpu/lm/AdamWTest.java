package dpo.backend.gpu.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dpo.api.lm.TrainerConfig;
import dpo.backend.gpu.DjlOffline;
import dpo.backend.gpu.Tapes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** AdamW's in-place update against the textbook formulas computed on the host in double. */
class AdamWTest {
  @Test
  void updatesFollowAdamWWithClippingDecayAndBiasCorrection() {
    DjlOffline.enforce();
    // Warm-up schedule, weight decay on the matrix only, and a clip norm that binds at step 1.
    TrainerConfig config = new TrainerConfig(0.05, 0.1, 0.9, 0.99, 1e-6, 2, 0, 0, 0.5);
    SplittableRandom random = new SplittableRandom(3);
    float[] matrix = toFloat(random.doubles(12, -1, 1).toArray());
    float[] bias = toFloat(random.doubles(4, -1, 1).toArray());
    try (NDManager root = NDManager.newBaseManager();
        NDManager state = root.newSubManager()) {
      Map<String, NDArray> parameters = new LinkedHashMap<>();
      parameters.put("w", root.create(matrix, new Shape(3, 4)));
      parameters.put("b", root.create(bias, new Shape(4)));
      parameters.values().forEach(p -> p.setRequiresGradient(true));
      AdamW adam = new AdamW(parameters, config, state);
      double[][] values = {toDouble(matrix), toDouble(bias)};
      double[][] first = {new double[12], new double[4]};
      double[][] second = {new double[12], new double[4]};
      for (int step = 0; step < 3; step++) {
        // Gradient of sum(c * p) is c: large at step 0 (clipped), small afterwards.
        double scale = step == 0 ? 3.0 : 0.05;
        // Rounded to float first: the reference takes the gradients the model sees.
        double[][] gradients = {
          toDouble(toFloat(random.doubles(12, -scale, scale).toArray())),
          toDouble(toFloat(random.doubles(4, -scale, scale).toArray()))
        };
        try (NDManager m = root.newSubManager()) {
          try (GradientCollector tape = Tapes.open()) {
            NDArray loss =
                parameters
                    .get("w")
                    .mul(m.create(toFloat(gradients[0]), new Shape(3, 4)))
                    .sum()
                    .add(parameters.get("b").mul(m.create(toFloat(gradients[1]))).sum());
            tape.backward(loss);
          }
          double[] result = adam.update(m);
          double norm = 0;
          for (double[] g : gradients) {
            for (double x : g) {
              norm += x * x;
            }
          }
          norm = Math.sqrt(norm);
          double clip = norm > config.clipNorm() ? config.clipNorm() / norm : 1;
          double lr = config.learningRateAt(step);
          assertEquals(norm, result[0], 1e-5 * norm);
          assertEquals(lr, result[1], 1e-15);
          int t = step + 1;
          for (int k = 0; k < 2; k++) {
            for (int i = 0; i < values[k].length; i++) {
              double g = gradients[k][i] * clip;
              first[k][i] = 0.9 * first[k][i] + 0.1 * g;
              second[k][i] = 0.99 * second[k][i] + 0.01 * g * g;
              double mHat = first[k][i] / (1 - Math.pow(0.9, t));
              double vHat = second[k][i] / (1 - Math.pow(0.99, t));
              if (k == 0) {
                values[k][i] *= 1 - lr * config.weightDecay();
              }
              values[k][i] -= lr * mHat / (Math.sqrt(vHat) + config.epsilon());
            }
          }
          float[][] actual = {
            parameters.get("w").toFloatArray(), parameters.get("b").toFloatArray()
          };
          for (int k = 0; k < 2; k++) {
            for (int i = 0; i < values[k].length; i++) {
              assertEquals(values[k][i], actual[k][i], 2e-6, "step " + step + ", " + k + "/" + i);
            }
          }
          // The gradients are cleared for the next backward pass.
          for (NDArray p : parameters.values()) {
            NDArray g = p.getGradient();
            g.attach(m);
            assertEquals(0f, g.abs().max().getFloat());
          }
        }
      }
    }
  }

  /**
   * The in-place update gives the same float32 bits as the out-of-place textbook sequence of tensor
   * operations (fresh arrays, nothing reused), with and without clipping: reusing the norm's
   * squares and closing temporaries early changes no value.
   */
  @Test
  void inPlaceUpdateHasTheBitsOfTheOutOfPlaceFormula() {
    DjlOffline.enforce();
    TrainerConfig config = new TrainerConfig(0.05, 0.1, 0.9, 0.99, 1e-6, 2, 0, 0, 0.5);
    SplittableRandom random = new SplittableRandom(11);
    try (NDManager root = NDManager.newBaseManager();
        NDManager state = root.newSubManager()) {
      NDArray w = root.create(toFloat(random.doubles(3000, -1, 1).toArray()), new Shape(60, 50));
      w.setRequiresGradient(true);
      AdamW adam = new AdamW(Map.of("w", w), config, state);
      NDArray p = w.duplicate();
      NDArray first = root.zeros(p.getShape());
      NDArray second = root.zeros(p.getShape());
      for (int step = 0; step < 3; step++) {
        // Large gradients at step 0 (clipped), small afterwards (not clipped).
        double scale = step == 0 ? 3.0 : 1e-4;
        NDArray c =
            root.create(toFloat(random.doubles(3000, -scale, scale).toArray()), p.getShape());
        try (NDManager m = root.newSubManager()) {
          try (GradientCollector tape = Tapes.open()) {
            tape.backward(w.mul(c).sum());
          }
          double[] result = adam.update(m);
          double clip = result[0] > config.clipNorm() ? config.clipNorm() / result[0] : 1;
          double lr = result[1];
          int t = step + 1;
          NDArray g = clip == 1 ? c : c.mul((float) clip);
          second = second.mul((float) 0.99).add(g.square().mul((float) (1 - 0.99)));
          first = first.mul((float) 0.9).add(g.mul((float) (1 - 0.9)));
          NDArray denominator =
              second.div((float) (1 - Math.pow(0.99, t))).sqrt().add((float) config.epsilon());
          NDArray update = first.div(denominator).mul((float) (lr / (1 - Math.pow(0.9, t))));
          p = p.mul((float) (1 - lr * config.weightDecay())).sub(update);
          float[] expected = p.toFloatArray();
          float[] actual = w.toFloatArray();
          for (int i = 0; i < expected.length; i++) {
            assertEquals(
                Float.floatToIntBits(expected[i]),
                Float.floatToIntBits(actual[i]),
                "step " + step + ", element " + i);
          }
        }
      }
    }
  }

  private static double[] toDouble(float[] x) {
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i];
    }
    return out;
  }

  private static float[] toFloat(double[] x) {
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (float) x[i];
    }
    return out;
  }
}
