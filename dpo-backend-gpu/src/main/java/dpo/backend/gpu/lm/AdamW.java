package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dpo.api.TrainingDivergedException;
import dpo.api.lm.TrainerConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW with global gradient-norm clipping and the config's schedule, over named parameters whose
 * gradients a backward pass has filled. Moments live in the given manager.
 */
final class AdamW {
  private final Map<String, NDArray> parameters;
  private final TrainerConfig config;
  private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
  private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
  private long steps;

  AdamW(Map<String, NDArray> parameters, TrainerConfig config, NDManager state) {
    this.parameters = parameters;
    this.config = config;
    for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
      firstMoments.put(e.getKey(), state.zeros(e.getValue().getShape()));
      secondMoments.put(e.getKey(), state.zeros(e.getValue().getShape()));
    }
  }

  long steps() {
    return steps;
  }

  /**
   * Clips, applies one update and clears the gradients; temporaries go to {@code m}.
   *
   * @return {gradient norm before clipping, learning rate used}
   */
  double[] update(NDManager m) {
    Map<String, NDArray> gradients = new LinkedHashMap<>();
    NDArray squares = null;
    for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
      NDArray g = e.getValue().getGradient();
      g.attach(m); // the wrapper, not the gradient storage: freed with this step
      gradients.put(e.getKey(), g);
      NDArray s = g.square().sum();
      squares = squares == null ? s : squares.addi(s);
    }
    double norm = Math.sqrt(squares.getFloat());
    if (!Double.isFinite(norm)) {
      throw new TrainingDivergedException("gradient norm is " + norm + " at step " + steps);
    }
    double clip = config.clipNorm() > 0 && norm > config.clipNorm() ? config.clipNorm() / norm : 1;
    double lr = config.learningRateAt(steps);
    steps++;
    double b1 = config.beta1();
    double b2 = config.beta2();
    double correction1 = 1 - Math.pow(b1, steps);
    double correction2 = 1 - Math.pow(b2, steps);
    for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
      NDArray p = e.getValue();
      NDArray g = gradients.get(e.getKey());
      NDArray scaled = g.mul((float) clip);
      NDArray mom = firstMoments.get(e.getKey());
      NDArray vel = secondMoments.get(e.getKey());
      mom.muli((float) b1).addi(scaled.mul((float) (1 - b1)));
      vel.muli((float) b2).addi(scaled.square().muli((float) (1 - b2)));
      // Temporaries start from a step-scoped array so they are freed with the step.
      NDArray denominator =
          scaled
              .zerosLike()
              .addi(vel)
              .divi((float) correction2)
              .sqrt()
              .addi((float) config.epsilon());
      NDArray step =
          scaled.zerosLike().addi(mom).divi(denominator).muli((float) (lr / correction1));
      if (p.getShape().dimension() >= 2 && config.weightDecay() > 0) {
        p.muli((float) (1 - lr * config.weightDecay())); // decoupled decay (AdamW)
      }
      p.subi(step);
      g.muli(0f); // PyTorch accumulates gradients
    }
    return new double[] {norm, lr};
  }
}
