package dpo.backend.gpu.lm;

import ai.djl.ndarray.NDManager;
import dpo.backend.gpu.DjlOffline;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The engine of a test class that computes with DJL: the offline switches set before DJL loads, and
 * one base manager for the class's arrays, made before its {@code @BeforeAll} methods and closed
 * after its {@code @AfterAll} ones. Register it as {@code @RegisterExtension static final DjlEngine
 * ENGINE = new DjlEngine();}.
 */
final class DjlEngine implements BeforeAllCallback, AfterAllCallback {
  private NDManager root;

  @Override
  public void beforeAll(ExtensionContext context) {
    DjlOffline.enforce();
    root = NDManager.newBaseManager();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    root.close();
    root = null;
  }

  /** The class's base manager. */
  NDManager root() {
    if (root == null) {
      throw new IllegalStateException(
          "DjlEngine is used outside the test class it is registered in");
    }
    return root;
  }
}
