package dpo.backend.gpu;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Gradient tapes that threads of one JVM take in turn. DJL's PyTorch engine allows one {@link
 * GradientCollector} per JVM at a time (a static flag; a second one fails and leaves its thread in
 * grad mode), so trainers that run side by side in one JVM (the tasks of a Spark executor running
 * whole {@code dpo align} runs, say) hold this lock for their forward and backward passes; the rest
 * of their work (generation, scoring, optimizer updates) runs in parallel.
 *
 * <p>PyTorch's grad mode is per thread and on in a new thread, while DJL turns it off only in the
 * thread that loads the engine, and a collector restores the mode it found: closing a tape turns it
 * off, so that the in-place optimizer update after it runs in any thread (a Spark task's, say).
 */
public final class Tapes {
  private static final ReentrantLock LOCK = new ReentrantLock();

  private Tapes() {}

  /**
   * Waits for the JVM's tape and starts recording; close it to hand it on.
   *
   * @return the tape
   */
  public static GradientCollector open() {
    LOCK.lock();
    try {
      return new Held(Engine.getInstance().newGradientCollector());
    } catch (RuntimeException | Error e) {
      LOCK.unlock();
      throw e;
    }
  }

  /** A collector that releases the lock when closed. */
  private record Held(GradientCollector tape) implements GradientCollector {
    @Override
    public void backward(NDArray target) {
      tape.backward(target);
    }

    @Override
    public void zeroGradients() {
      tape.zeroGradients();
    }

    @Override
    public void close() {
      try {
        tape.close();
        JniUtils.setGradMode(false);
      } finally {
        LOCK.unlock();
      }
    }
  }
}
