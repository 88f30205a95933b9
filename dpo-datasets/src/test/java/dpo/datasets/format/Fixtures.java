package dpo.datasets.format;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The fixture files under src/test/resources/dpo/datasets/fixtures. */
final class Fixtures {
  private Fixtures() {}

  static Path path(String name) {
    try {
      return Path.of(Fixtures.class.getResource("/dpo/datasets/fixtures/" + name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("missing fixture " + name, e);
    }
  }
}
