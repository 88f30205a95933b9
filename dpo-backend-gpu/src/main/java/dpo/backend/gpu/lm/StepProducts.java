package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
import dpo.api.backend.HostProducts;
import dpo.api.backend.HostProductsProvider;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The matrix products of a Llama-family model's one-token steps. On the CPU in float32 they run on
 * a {@link HostProducts} kernel when one can run in this JVM (the CPU backend's, with the Vector
 * API module loaded): a step multiplies one row per sequence by every weight, and PyTorch's matrix
 * library computes such thin products at a fraction of the machine's speed (README, "Generation on
 * the CPU"). Elsewhere (CUDA, other types, no kernel) they are PyTorch's linear. The prepared
 * weights live in the generation's native memory, as PyTorch's own prepared weights would. Used by
 * one thread at a time.
 */
final class StepProducts implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StepProducts.class);

  /** The kernel, or null for PyTorch's linear. */
  private final HostProducts host;

  /**
   * A weight (outputs, inputs) and its bias (or null), as the steps multiply them: the arrays, or
   * their values in the host kernel's layout.
   */
  static final class Weight {
    private final NDArray weight;
    private final NDArray bias;
    private final ByteBuffer packed;
    private final int outputs;
    private final int inputs;

    private Weight(NDArray weight, NDArray bias, ByteBuffer packed, int outputs, int inputs) {
      this.weight = weight;
      this.bias = bias;
      this.packed = packed;
      this.outputs = outputs;
      this.inputs = inputs;
    }
  }

  /**
   * The products for {@code model}'s steps.
   *
   * @param model the decoding model
   * @param allowHost false to keep PyTorch's linear (for checks)
   */
  StepProducts(GptModel model, boolean allowHost) {
    NDArray any = model.head();
    boolean hostable =
        allowHost && !any.getDevice().isGpu() && any.getDataType() == DataType.FLOAT32;
    HostProducts h = hostable ? Kernels.create(JniUtils.getNumThreads()) : null;
    if (h != null && !writesThrough(any.getManager())) {
      h.close();
      h = null;
    }
    this.host = h;
  }

  /**
   * Whether a buffer of an array's memory writes the array itself (the kernel writes its results
   * there); an engine that hands out copies instead keeps PyTorch's linear.
   */
  private static boolean writesThrough(NDManager m) {
    try (NDArray probe = m.zeros(new Shape(1))) {
      ByteBuffer b = probe.toByteBuffer(true);
      if (!b.isDirect()) {
        return false;
      }
      b.order(ByteOrder.nativeOrder()).putFloat(0, 1f);
      return probe.getFloat(0) == 1f;
    }
  }

  /** Whether the products run on a host kernel rather than PyTorch's linear. */
  boolean onHost() {
    return host != null;
  }

  /**
   * A weight for the steps. On the host kernel its values are copied, in the kernel's layout, into
   * an array of {@code kept} (the arrays given are no longer needed); otherwise they are kept as
   * they are.
   *
   * @param weight (outputs, inputs)
   * @param bias (outputs), or null
   * @param kept the manager the prepared values live in, as long as the steps
   */
  Weight prepare(NDArray weight, NDArray bias, NDManager kept) {
    int outputs = Math.toIntExact(weight.getShape().get(0));
    int inputs = Math.toIntExact(weight.getShape().get(1));
    if (host == null) {
      return new Weight(weight, bias, null, outputs, inputs);
    }
    NDArray packed = kept.zeros(new Shape(host.preparedBytes(outputs, inputs) / Float.BYTES));
    ByteBuffer to = packed.toByteBuffer(true);
    host.prepare(
        weight.toByteBuffer(true),
        bias == null ? null : bias.toByteBuffer(true),
        outputs,
        inputs,
        to);
    return new Weight(packed, null, to, outputs, inputs);
  }

  /** {@code x W^T + b} of a (rows, inputs) array, in {@code x}'s manager. */
  NDArray apply(NDArray x, Weight w) {
    if (w.packed == null) {
      return Linear.linear(x, w.weight, w.bias).singletonOrThrow();
    }
    int rows = Math.toIntExact(x.getShape().get(0));
    NDArray y = x.getManager().create(new Shape(rows, w.outputs));
    host.multiply(w.packed, w.outputs, w.inputs, x.toByteBuffer(true), rows, y.toByteBuffer(true));
    return y;
  }

  @Override
  public void close() {
    if (host != null) {
      host.close();
    }
  }

  /** The host kernels on the class path, highest priority first; looked up once. */
  private static final class Kernels {
    private static final List<HostProductsProvider> PROVIDERS = load();

    private static List<HostProductsProvider> load() {
      List<HostProductsProvider> found = new ArrayList<>();
      Iterator<HostProductsProvider> it = ServiceLoader.load(HostProductsProvider.class).iterator();
      while (true) {
        try {
          if (!it.hasNext()) {
            break;
          }
          found.add(it.next());
        } catch (ServiceConfigurationError | LinkageError e) {
          LOG.warn("a host products provider cannot be loaded, skipped: {}", e.getMessage());
        }
      }
      found.sort(Comparator.comparingInt(HostProductsProvider::priority).reversed());
      return List.copyOf(found);
    }

    static HostProducts create(int threads) {
      for (HostProductsProvider p : PROVIDERS) {
        Optional<HostProducts> h = p.create(threads);
        if (h.isPresent()) {
          return h.get();
        }
      }
      return null;
    }
  }
}
