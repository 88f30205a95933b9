package dpo.bench;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.InstanceofCheck;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.GeneralCodingRules;
import dpo.api.BackendException;
import dpo.backend.cpu.MixPCeiling;

/**
 * The layering of docs/architecture.md, checked on the main classes of every module: dpo-bench
 * depends on all of them (on dpo-testkit in test scope), so its test class path holds them all.
 */
@AnalyzeClasses(packages = "dpo", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String API = "dpo.api..";
  private static final String CORE = "dpo.core..";
  private static final String BENCH = "dpo.bench..";
  private static final String SAMPLERS = "dpo.samplers..";
  private static final String BACKEND_CPU = "dpo.backend.cpu..";
  private static final String BACKEND_GPU = "dpo.backend.gpu..";
  private static final String DATASETS = "dpo.datasets..";
  private static final String TESTKIT = "dpo.testkit..";
  private static final String SPARK = "dpo.spark..";

  // --- Layers ---

  @ArchTest
  static final ArchRule apiDependsOnlyOnTheJdk =
      classes()
          .that()
          .resideInAPackage(API)
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage(API, "java..")
          .because(
              "dpo-api is JDK-only, so that a plugin that implements it pulls in nothing else"
                  + " (docs/architecture.md)");

  @ArchTest
  static final ArchRule samplersDependOnlyOnTheApi =
      pluginIsolated(SAMPLERS, "dpo.backend..", DATASETS);

  @ArchTest
  static final ArchRule cpuBackendDependsOnlyOnTheApi =
      pluginIsolated(BACKEND_CPU, SAMPLERS, BACKEND_GPU, DATASETS);

  @ArchTest
  static final ArchRule gpuBackendDependsOnlyOnTheApi =
      pluginIsolated(BACKEND_GPU, SAMPLERS, BACKEND_CPU, DATASETS);

  @ArchTest
  static final ArchRule datasetsDependOnlyOnTheApi =
      pluginIsolated(DATASETS, SAMPLERS, "dpo.backend..");

  @ArchTest
  static final ArchRule testkitDependsOnlyOnTheApiAndJUnit =
      classes()
          .that()
          .resideInAPackage(TESTKIT)
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage(
              TESTKIT, API, "java..", "org.junit.jupiter.api..", "org.junit.jupiter.params..")
          .because(
              "a plugin puts dpo-testkit on its test class path and gets the API and JUnit, not the"
                  + " framework's internals; the contracts' reference computations are the"
                  + " testkit's own (docs/architecture.md)");

  @ArchTest
  static final ArchRule onlyTestsUseTheTestkit =
      noClasses()
          .that()
          .resideOutsideOfPackage(TESTKIT)
          .should()
          .dependOnClassesThat()
          .resideInAPackage(TESTKIT)
          .because("dpo-testkit is a test dependency: no module's main code may need it");

  @ArchTest
  static final ArchRule coreReachesPluginsOnlyThroughServiceLoader =
      noClasses()
          .that()
          .resideInAPackage(CORE)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(SAMPLERS, "dpo.backend..", DATASETS)
          .because(
              "core finds samplers, backends and datasets through ServiceLoader, never by name,"
                  + " so that third-party plugins are equals of the shipped ones"
                  + " (docs/architecture.md)");

  @ArchTest
  static final ArchRule commandsReachBackendsThroughTheApi =
      noClasses()
          .that()
          .resideInAPackage(BENCH)
          .and()
          .doNotHaveFullyQualifiedName(BenchLmCommand.class.getName())
          .should()
          .dependOnClassesThat(
              JavaClass.Predicates.resideInAnyPackage("dpo.backend..")
                  .and(
                      DescribedPredicate.not(JavaClass.Predicates.equivalentTo(MixPCeiling.class))))
          .because(
              "commands run backends through the dpo-api facets found by ServiceLoader, so that a"
                  + " plugin backend serves them too; only 'bench lm' times the djl backend's own"
                  + " internals (KV cache against recomputation, the raw forward+backward), and"
                  + " 'bench bandit' and JMH time the cpu backend's MixPCeiling, a measuring stick"
                  + " on the Vector API that is no backend");

  @ArchTest
  static final ArchRule sparkModuleDependsOnApiCoreAndDatasets =
      classes()
          .that()
          .resideInAPackage(SPARK)
          .should()
          .onlyDependOnClassesThat()
          .resideOutsideOfPackages(BENCH, SAMPLERS, "dpo.backend..", TESTKIT)
          .because(
              "dpo-spark runs experiments of dpo-core on Spark; it finds samplers and backends"
                  + " through ServiceLoader like the core does (docs/architecture.md)");

  @ArchTest
  static final ArchRule onlyTheCommandLineUsesTheSparkModule =
      noClasses()
          .that()
          .resideOutsideOfPackages(SPARK, BENCH)
          .should()
          .dependOnClassesThat()
          .resideInAPackage(SPARK)
          .because(
              "dpo-spark is on the class path only of the commands that use it"
                  + " (docs/architecture.md)");

  @ArchTest
  static final ArchRule noCyclesBetweenModules =
      slices()
          .matching("dpo.(*)..")
          .should()
          .beFreeOfCycles()
          .because("modules form a layered graph: api <- plugins, core <- bench");

  // --- Third-party libraries, each confined to the module that may use it ---

  @ArchTest
  static final ArchRule vectorApiOnlyInTheCpuBackend =
      noClasses()
          .that()
          .resideOutsideOfPackage(BACKEND_CPU)
          .should()
          .dependOnClassesThat()
          .resideInAPackage("jdk.incubator.vector..")
          .allowEmptyShould(true)
          .because(
              "jdk.incubator.vector is an incubator module that only the CPU backend's SIMD"
                  + " kernels may need (docs/architecture.md)");

  @ArchTest
  static final ArchRule djlOnlyInTheGpuBackend =
      noClasses()
          .that()
          .resideOutsideOfPackage(BACKEND_GPU)
          .should()
          .dependOnClassesThat()
          .resideInAPackage("ai.djl..")
          .allowEmptyShould(true)
          .because(
              "DJL and its natives are the GPU backend's business; nothing else may load them"
                  + " (docs/architecture.md)");

  @ArchTest
  static final ArchRule sparkOnlyInTheSparkModule =
      noClasses()
          .that()
          .resideOutsideOfPackage(SPARK)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("org.apache.spark..", "scala..")
          .allowEmptyShould(true)
          .because(
              "Spark and Scala are on the class path only of the commands that use dpo-spark:"
                  + " dpo.jar and every other command start without them (docs/architecture.md)");

  @ArchTest
  static final ArchRule guiceOnlyInCoreAndBench =
      noClasses()
          .that()
          .resideOutsideOfPackages(CORE, BENCH)
          .should()
          .dependOnClassesThat()
          .resideInAPackage("com.google.inject..")
          .allowEmptyShould(true)
          .because(
              "Guice stays in dpo-core, wired once by the command line"
                  + " (docs/architecture.md)");

  @ArchTest
  static final ArchRule jacksonOnlyInCoreDatasetsSparkAndBench =
      noClasses()
          .that()
          .resideOutsideOfPackages(CORE, DATASETS, SPARK, BENCH)
          .should()
          .dependOnClassesThat()
          .resideInAPackage("com.fasterxml.jackson..")
          .allowEmptyShould(true)
          .because(
              "only core, datasets, spark and bench may depend on Jackson"
                  + " (docs/architecture.md)");

  // --- Coding rules ---

  @ArchTest
  static final ArchRule noFieldInjection =
      GeneralCodingRules.NO_CLASSES_SHOULD_USE_FIELD_INJECTION.because(
          "constructor injection only, so that every dependency is final and visible"
              + " (docs/architecture.md)");

  @ArchTest
  static final ArchRule noJavaUtilLogging =
      GeneralCodingRules.NO_CLASSES_SHOULD_USE_JAVA_UTIL_LOGGING.because(
          "libraries log through SLF4J, so that the application picks the binding");

  @ArchTest
  static final ArchRule onlyTheCommandLineUsesStandardStreams =
      noClasses()
          .that()
          .resideOutsideOfPackage(BENCH)
          .should(GeneralCodingRules.ACCESS_STANDARD_STREAMS)
          .because(
              "libraries report through exceptions and SLF4J; only the command line talks to the"
                  + " console, through the streams it is given");

  @ArchTest
  static final ArchRule apiTypesAreInterfacesValuesOrFinal =
      classes()
          .that()
          .resideInAPackage(API)
          .and()
          .arePublic()
          .and()
          .areTopLevelClasses()
          .should(beAnInterfaceRecordEnumExceptionOrFinalClass())
          .because(
              "an open, concrete API class is an implementation that every plugin could subclass"
                  + " and that could then never change (docs/architecture.md)");

  @ArchTest
  static final ArchRule apiNeverThrowsForAMissingFeature =
      noClasses()
          .that()
          .resideInAPackage(API)
          .should()
          .callConstructorWhere(
              DescribedPredicate.describe(
                  "a constructor of UnsupportedOperationException or BackendException",
                  call ->
                      call.getTargetOwner().isAssignableTo(UnsupportedOperationException.class)
                          || call.getTargetOwner().isEquivalentTo(BackendException.class)))
          .because(
              "a backend offers a facet or not (an empty Optional); nothing in the API throws for"
                  + " a feature that is missing");

  @ArchTest
  static final ArchRule noInstanceofOnAnotherImplementationsClasses =
      classes()
          .that()
          .resideInAPackage("dpo..")
          .should(notTestInstanceofOfAnotherModulesConcreteClasses())
          .because(
              "what one module needs of another's objects belongs on the API types, not behind a"
                  + " cast to an implementation (the API's own value types and exceptions are"
                  + " dispatched on)");

  /** The module a class belongs to: dpo.api, dpo.core, dpo.backend.cpu, ... */
  private static String module(JavaClass type) {
    String[] parts = type.getPackageName().split("\\.");
    int depth = parts.length > 2 && parts[1].equals("backend") ? 3 : Math.min(2, parts.length);
    return String.join(".", java.util.Arrays.copyOf(parts, depth));
  }

  private static ArchCondition<JavaClass> notTestInstanceofOfAnotherModulesConcreteClasses() {
    return new ArchCondition<>(
        "not test instanceof of another implementation module's concrete classes") {
      @Override
      public void check(JavaClass type, ConditionEvents events) {
        for (JavaCodeUnit unit : type.getCodeUnits()) {
          for (InstanceofCheck check : unit.getInstanceofChecks()) {
            JavaClass target = check.getRawType();
            boolean foreign =
                target.getPackageName().startsWith("dpo.")
                    && !module(target).equals(module(type))
                    && !module(target).equals("dpo.api")
                    && !target.isInterface()
                    && !target.isAssignableTo(Throwable.class);
            if (foreign) {
              events.add(
                  SimpleConditionEvent.violated(
                      type,
                      unit.getFullName()
                          + " tests instanceof "
                          + target.getName()
                          + " of module "
                          + module(target)));
            }
          }
        }
      }
    };
  }

  private static ArchRule pluginIsolated(String plugin, String... otherPlugins) {
    String[] forbidden = new String[otherPlugins.length + 2];
    forbidden[0] = CORE;
    forbidden[1] = BENCH;
    System.arraycopy(otherPlugins, 0, forbidden, 2, otherPlugins.length);
    return noClasses()
        .that()
        .resideInAPackage(plugin)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(forbidden)
        .allowEmptyShould(true)
        .because(
            "plugins depend on dpo-api only, so that each can be replaced, dropped or shipped by a"
                + " third party (docs/architecture.md)");
  }

  private static ArchCondition<JavaClass> beAnInterfaceRecordEnumExceptionOrFinalClass() {
    return new ArchCondition<>("be an interface, record, enum, exception or final class") {
      @Override
      public void check(JavaClass type, ConditionEvents events) {
        boolean ok =
            type.isInterface()
                || type.isRecord()
                || type.isEnum()
                || type.isAssignableTo(Throwable.class)
                || type.getModifiers().contains(JavaModifier.FINAL);
        String message =
            type.getName()
                + (ok ? " is " : " is an open concrete class, not ")
                + "an interface, record, enum, exception or final class";
        events.add(new SimpleConditionEvent(type, ok, message));
      }
    };
  }
}
