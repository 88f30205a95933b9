package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dpo.api.BadDataException;
import dpo.api.TrainingDivergedException;
import dpo.api.lm.TrainerConfig;
import dpo.backend.gpu.safetensors.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
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

  private static final String FIRST = "exp_avg.";
  private static final String SECOND = "exp_avg_sq.";

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

  /** The moments as host tensors, named {@code exp_avg.NAME} and {@code exp_avg_sq.NAME}. */
  Map<String, Tensor> state() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    firstMoments.forEach((name, a) -> out.put(FIRST + name, tensor(a)));
    secondMoments.forEach((name, a) -> out.put(SECOND + name, tensor(a)));
    return out;
  }

  /**
   * Restores moments and the step count saved by {@link #state()}.
   *
   * @throws BadDataException naming the file if a moment is missing or has another shape
   */
  void restore(Path file, Map<String, Tensor> saved, long savedSteps) {
    if (saved.size() != firstMoments.size() + secondMoments.size()) {
      throw new BadDataException(
          file,
          0,
          null,
          "holds "
              + saved.size()
              + " tensors, the optimizer of this model has "
              + (firstMoments.size() + secondMoments.size())
              + "; the state belongs to another model");
    }
    restore(file, saved, FIRST, firstMoments);
    restore(file, saved, SECOND, secondMoments);
    steps = savedSteps;
  }

  private static void restore(
      Path file, Map<String, Tensor> saved, String prefix, Map<String, NDArray> moments) {
    for (Map.Entry<String, NDArray> e : moments.entrySet()) {
      Tensor t = saved.get(prefix + e.getKey());
      long[] shape = e.getValue().getShape().getShape();
      if (t == null || !Arrays.equals(t.shape(), shape)) {
        throw new BadDataException(
            file,
            0,
            prefix + e.getKey(),
            (t == null ? "missing" : "shape " + Arrays.toString(t.shape()))
                + ", the model needs "
                + Arrays.toString(shape)
                + "; the state belongs to another model");
      }
      // A new array in the moment's manager: NDArray.set(buffer) would copy into the old one
      // under a guard PyTorch warns about on stderr (AutoNonVariableTypeMode is deprecated).
      NDArray old = e.getValue();
      e.setValue(old.getManager().create(t.data(), old.getShape()));
      old.close();
    }
  }

  private static Tensor tensor(NDArray a) {
    return new Tensor(a.getShape().getShape(), a.toFloatArray());
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
      NDArray s;
      try (NDArray square = g.square()) {
        s = square.sum();
      }
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
      // The update is memory-bound (at 135M parameters each operation streams 540 MB): the
      // gradient (cleared below) holds intermediates in place, v / c2 and m / denominator take
      // one pass each out of place, and each temporary is closed as soon as it is used, so the
      // allocator hands its pages to the next parameter instead of faulting in fresh ones. (The
      // norm's squares are not kept for the second moment: holding them all would save one pass
      // per parameter for 540 MB held through the update.) Every value is the textbook
      // formula's, operation for operation.
      NDArray scaled =
          clip == 1 ? gradients.get(e.getKey()) : gradients.get(e.getKey()).muli((float) clip);
      NDArray mom = firstMoments.get(e.getKey());
      NDArray vel = secondMoments.get(e.getKey());
      try (NDArray work = scaled.square()) {
        vel.muli((float) b2).addi(work.muli((float) (1 - b2)));
      }
      mom.muli((float) b1).addi(scaled.muli((float) (1 - b1)));
      NDArray denominator;
      try (NDArray corrected = vel.div((float) correction2)) {
        denominator = corrected.sqrt().addi((float) config.epsilon());
      }
      try (denominator;
          NDArray step = mom.div(denominator).muli((float) (lr / correction1))) {
        if (p.getShape().dimension() >= 2 && config.weightDecay() > 0) {
          p.muli((float) (1 - lr * config.weightDecay())); // decoupled decay (AdamW)
        }
        p.subi(step);
      }
      scaled.muli(0f); // PyTorch accumulates gradients
    }
    return new double[] {norm, lr};
  }
}
