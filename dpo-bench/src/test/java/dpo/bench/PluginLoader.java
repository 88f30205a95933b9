package dpo.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Runs the command line with extra plugins, as if their jars were in plugins/: a class loader over
 * a folder of service files (and classes), set as the thread's context class loader, which is where
 * {@link Main#runtime()} discovers providers.
 */
final class PluginLoader {
  private PluginLoader() {}

  /** Writes META-INF/services/{service} into {@code root}, one provider class per line. */
  static void services(Path root, Class<?> service, String... providers) {
    try {
      Path file = root.resolve("META-INF/services/" + service.getName());
      Files.createDirectories(file.getParent());
      Files.writeString(file, String.join("\n", providers) + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Calls {@code body} with a context class loader that also searches {@code roots}. */
  static <T> T with(Callable<T> body, Path... roots) throws Exception {
    URL[] urls = new URL[roots.length];
    for (int i = 0; i < roots.length; i++) {
      urls[i] = roots[i].toUri().toURL();
    }
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    try (URLClassLoader loader = new URLClassLoader(urls, Main.class.getClassLoader())) {
      thread.setContextClassLoader(loader);
      return body.call();
    } finally {
      thread.setContextClassLoader(previous);
    }
  }
}
