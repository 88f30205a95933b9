package dpo.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a package of the API as stable: plugins may rely on every public type and member in it.
 * Within a major version its types and members are not removed, and its interfaces gain only
 * methods with defaults; additions that could break a caller wait for the next major version.
 *
 * <p>The mark is set once per package, in its {@code package-info.java}, never on single classes;
 * every package of dpo-api carries either this or {@link Experimental}, and a stable package
 * depends on no experimental one (both checked by dpo's architecture tests).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PACKAGE)
public @interface Stable {}
