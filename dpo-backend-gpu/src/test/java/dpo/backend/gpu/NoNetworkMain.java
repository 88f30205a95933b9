package dpo.backend.gpu;

import dpo.api.backend.BackendConfig;
import dpo.api.backend.PolicyBackend;
import dpo.api.lm.GenerationConfig;
import dpo.api.lm.LanguageModel;
import dpo.api.lm.ModelConfig;
import java.security.Permission;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Child-JVM program of {@link NoNetworkTest}: runs the backend under a security manager that counts
 * every attempt to resolve a host or open a socket, then prints the count. With the argument {@code
 * --unguarded} it skips the provider (and so the offline switches).
 */
public final class NoNetworkMain {
  private NoNetworkMain() {}

  @SuppressWarnings("removal")
  public static void main(String[] args) throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    System.setSecurityManager(
        new SecurityManager() {
          @Override
          public void checkPermission(Permission perm) {
            if (perm instanceof java.net.SocketPermission) {
              attempts.incrementAndGet();
              System.err.println("network attempt: " + perm);
            }
          }

          @Override
          public void checkConnect(String host, int port) {
            attempts.incrementAndGet();
            System.err.println("connect attempt: " + host + ":" + port);
          }

          @Override
          public void checkConnect(String host, int port, Object context) {
            checkConnect(host, port);
          }
        });
    boolean unguarded = args.length > 0 && args[0].equals("--unguarded");
    if (unguarded) {
      System.setProperty("ai.djl.offline", "false");
      ai.djl.engine.Engine.getInstance().getVersion();
      Thread.sleep(3000); // DJL reports usage from a background thread
    } else {
      try (PolicyBackend backend = new DjlBackendProvider().create(BackendConfig.defaults());
          LanguageModel model =
              backend
                  .languageModels()
                  .orElseThrow()
                  .newLanguageModel(new ModelConfig(8, 8, 1, 1, 16), 1)) {
        backend
            .languageModels()
            .orElseThrow()
            .generate(
                List.of(model),
                new double[] {1},
                List.of(new int[] {1}),
                GenerationConfig.sampling(4, 1.0, -1, 1));
      }
      Thread.sleep(3000);
    }
    System.out.println("attempts=" + attempts.get());
  }
}
