package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Attention keys and values of the tokens seen so far: one (batch, key-value heads, capacity, head
 * width) buffer per layer, allocated once at the first forward pass and written in place; each step
 * writes only its new tokens' keys and values and reads the filled prefix.
 */
final class KvCache implements AutoCloseable {
  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private final long capacity;
  private long length;

  /**
   * @param parent manager the buffers live under
   * @param layers the model's layers
   * @param capacity most tokens the generation will hold (prompt plus new tokens)
   */
  KvCache(NDManager parent, int layers, long capacity) {
    this.manager = parent.newSubManager();
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
    this.capacity = capacity;
  }

  /** Writes a layer's new keys (batch, heads, tokens, width); returns every key so far. */
  NDArray keys(int layer, NDArray k) {
    return write(keys, layer, k);
  }

  /** Writes a layer's new values; returns every value so far. */
  NDArray values(int layer, NDArray v) {
    return write(values, layer, v);
  }

  private NDArray write(NDArray[] buffers, int layer, NDArray fresh) {
    Shape s = fresh.getShape();
    long end = length + s.get(2);
    if (end > capacity) {
      throw new IllegalStateException(
          "the KV cache holds " + capacity + " tokens, asked for " + end);
    }
    if (buffers[layer] == null) {
      buffers[layer] =
          manager.zeros(
              new Shape(s.get(0), s.get(1), capacity, s.get(3)),
              fresh.getDataType(),
              fresh.getDevice());
    }
    buffers[layer].set(new NDIndex(":, :, {}:{}", length, end), fresh);
    NDArray filled = buffers[layer].get(new NDIndex(":, :, :{}", end));
    filled.attach(fresh.getManager()); // a view: freed with the step, the buffer stays
    return filled;
  }

  /** Marks the tokens of the forward pass that just wrote every layer as cached. */
  void advance(long tokens) {
    length += tokens;
  }

  /** Tokens cached so far. */
  long length() {
    return length;
  }

  @Override
  public void close() {
    manager.close();
  }
}
