package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Attention keys and values of the tokens seen so far, one (batch, heads, tokens, head width) pair
 * per layer. Arrays live in the cache's manager; each append frees the previous arrays.
 */
final class KvCache implements AutoCloseable {
  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;

  KvCache(NDManager parent, int layers) {
    this.manager = parent.newSubManager();
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
  }

  NDArray appendKeys(int layer, NDArray k) {
    keys[layer] = append(keys[layer], k);
    return keys[layer];
  }

  NDArray appendValues(int layer, NDArray v) {
    values[layer] = append(values[layer], v);
    return values[layer];
  }

  private NDArray append(NDArray cached, NDArray fresh) {
    NDArray joined;
    if (cached == null) {
      joined = fresh.duplicate();
    } else {
      joined = cached.concat(fresh, 2);
      cached.close();
    }
    joined.attach(manager);
    return joined;
  }

  /** Tokens cached so far. */
  long length() {
    return keys[0] == null ? 0 : keys[0].getShape().get(2);
  }

  @Override
  public void close() {
    manager.close();
  }
}
