package dpo.spark;

import java.nio.file.Path;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Starts the Spark context of one command: the master it was given, loopback only, no web UI, and
 * Spark's logs in a file of the command's output folder instead of the console.
 *
 * <p>Defaults that keep a run on this machine ({@code spark.ui.enabled=false}, driver host and bind
 * address {@code 127.0.0.1}) are set only where the JVM's {@code spark.*} system properties do not
 * set them already: reaching workers on other machines means naming an address they can reach, for
 * example {@code DPO_JAVA_OPTS="-Dspark.driver.host=10.0.0.5 -Dspark.driver.bindAddress=10.0.0.5"}.
 *
 * <p>A {@code spark://} master runs executors in other JVMs: they need the project's classes. The
 * launcher names its jars in the system property {@value #JARS_PROPERTY} (comma-separated); they
 * become {@code spark.jars}, served to the executors by the driver.
 */
public final class SparkSessions {
  /** The default master: Spark inside this JVM, one task slot per core. */
  public static final String DEFAULT_MASTER = "local[*]";

  /** The file, in the output folder, that receives Spark's log. */
  public static final String LOG_FILE = "spark.log";

  /** System property with the jars executors of a {@code spark://} master need. */
  public static final String JARS_PROPERTY = "dpo.spark.jars";

  /**
   * JVM options every executor JVM starts with: the same as the launcher's, so that a cell computes
   * what it computes in the driver (the Vector API kernels, DJL offline).
   */
  static final String EXECUTOR_JAVA_OPTIONS =
      "--add-modules jdk.incubator.vector -Dai.djl.offline=true -DOPT_OUT_TRACKING=true"
          + " -Djava.awt.headless=true";

  private SparkSessions() {}

  /**
   * Starts a Spark context.
   *
   * @param master {@code local}, {@code local[N]}, {@code local[*]} or {@code spark://HOST:PORT}
   * @param out the output folder; Spark's log goes to {@value #LOG_FILE} in it
   * @param appName the application's name (shown by a cluster's master)
   * @param extra further settings (they win over the defaults), e.g. {@code
   *     spark.executor.extraClassPath} for a test cluster
   * @return the context; close it when the job is done
   */
  public static JavaSparkContext open(
      String master, Path out, String appName, Map<String, String> extra) {
    logTo(out.resolve(LOG_FILE));
    SparkConf conf = new SparkConf(true).setMaster(master).setAppName(appName);
    conf.setIfMissing("spark.ui.enabled", "false");
    conf.setIfMissing("spark.driver.host", "127.0.0.1");
    conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    conf.setIfMissing("spark.executor.extraJavaOptions", EXECUTOR_JAVA_OPTIONS);
    String jars = System.getProperty(JARS_PROPERTY, "");
    if (master.startsWith("spark://") && !jars.isBlank()) {
      conf.setIfMissing("spark.jars", jars);
    }
    extra.forEach(conf::set);
    return new JavaSparkContext(conf);
  }

  /**
   * Sends everything logged through Log4j 2 (Spark's logging) to a file, and only warnings of the
   * project's own loggers ({@code dpo.*}) to standard error. Spark keeps a configuration that has
   * appenders, so it does not install its console default.
   */
  static void logTo(Path file) {
    ConfigurationBuilder<BuiltConfiguration> b =
        ConfigurationBuilderFactory.newConfigurationBuilder();
    b.setConfigurationName("dpo-spark");
    b.setStatusLevel(Level.ERROR);
    b.add(
        b.newAppender("file", "File")
            .addAttribute("fileName", file.toAbsolutePath().toString())
            .addAttribute("append", true)
            .add(
                b.newLayout("PatternLayout")
                    .addAttribute("pattern", "%d{ISO8601} %-5level %c{1}: %msg%n%throwable")));
    b.add(
        b.newAppender("stderr", "Console")
            .addAttribute("target", "SYSTEM_ERR")
            .add(b.newLayout("PatternLayout").addAttribute("pattern", "[%level] %c{1} - %msg%n")));
    b.add(b.newRootLogger(Level.INFO).add(b.newAppenderRef("file")));
    b.add(
        b.newLogger("dpo", Level.WARN)
            .add(b.newAppenderRef("stderr"))
            .addAttribute("additivity", true));
    Configurator.reconfigure(b.build());
  }
}
