package dpo.bench;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaPackage;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.EvaluationResult;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import dpo.api.Experimental;
import dpo.api.Stable;
import java.lang.annotation.Annotation;
import org.junit.jupiter.api.Test;

/**
 * Plugin authors can tell stable API from experimental API: every package of dpo-api is marked
 * {@link Stable} or {@link Experimental} in its package-info, and no stable package leans on an
 * experimental one (a stable signature must not expose a type that may change).
 */
@AnalyzeClasses(packages = "dpo.api", importOptions = ImportOption.DoNotIncludeTests.class)
class ApiStabilityTest {

  @ArchTest
  static final ArchRule everyApiPackageIsMarkedStableOrExperimental =
      classes()
          .that()
          .resideInAPackage("dpo.api..")
          .should(beInAPackageMarkedOnce())
          .because("plugin authors must know what they may rely on (plugins/README.md)");

  @ArchTest
  static final ArchRule stablePackagesDependOnNoExperimentalOne =
      noClasses()
          .that(areIn(Stable.class))
          .should()
          .dependOnClassesThat(areIn(Experimental.class))
          .because("a stable type that exposes an experimental one would change with it");

  @Test
  void theRulesCatchAnUnmarkedPackageAndAStableToExperimentalDependency() {
    // This test class's own package carries no mark, and ArchitectureTest (in it) uses ArchUnit.
    JavaClasses unmarked = new ClassFileImporter().importClasses(ApiStabilityTest.class);
    EvaluationResult r = classes().should(beInAPackageMarkedOnce()).evaluate(unmarked);
    assertTrue(r.hasViolation());
    assertTrue(
        r.getFailureReport().toString().contains("dpo.bench is marked neither"),
        r.getFailureReport().toString());

    // The dependency rule sees both marks: the inverted rule fails on the real API, because the
    // experimental dpo.api.backend uses the stable dpo.api.sampler.
    JavaClasses api = new ClassFileImporter().importPackages("dpo.api");
    EvaluationResult inverted =
        noClasses()
            .that(areIn(Experimental.class))
            .should()
            .dependOnClassesThat(areIn(Stable.class))
            .evaluate(api);
    assertTrue(inverted.hasViolation(), "experimental packages use stable ones");
  }

  private static DescribedPredicate<JavaClass> areIn(Class<? extends Annotation> mark) {
    return new DescribedPredicate<>("are in a package marked @" + mark.getSimpleName()) {
      @Override
      public boolean test(JavaClass c) {
        return c.getPackage().isAnnotatedWith(mark);
      }
    };
  }

  private static ArchCondition<JavaClass> beInAPackageMarkedOnce() {
    return new ArchCondition<>("be in a package marked @Stable or @Experimental (not both)") {
      @Override
      public void check(JavaClass c, ConditionEvents events) {
        JavaPackage p = c.getPackage();
        boolean stable = p.isAnnotatedWith(Stable.class);
        boolean experimental = p.isAnnotatedWith(Experimental.class);
        String message =
            stable && experimental
                ? p.getName() + " is marked both @Stable and @Experimental (" + c.getName() + ")"
                : p.getName()
                    + " is marked neither @Stable nor @Experimental in its package-info ("
                    + c.getName()
                    + ")";
        events.add(new SimpleConditionEvent(c, stable != experimental, message));
      }
    };
  }
}
