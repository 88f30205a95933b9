package dpo.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a package of the API as experimental: it works and is tested, but its types and members may
 * change or move in any release, minor ones included. A plugin that uses it should pin the dpo
 * version it was built against (with dpo-bom) and expect to follow changes.
 *
 * <p>The mark is set once per package, in its {@code package-info.java}; see {@link Stable}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PACKAGE)
public @interface Experimental {
  /**
   * Why the package is not stable yet, for plugin authors.
   *
   * @return what is still expected to change
   */
  String value();
}
