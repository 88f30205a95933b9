package dpo.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.master.Master;
import org.apache.spark.deploy.worker.Worker;
import org.apache.spark.rpc.RpcEnv;
import scala.Option;

/**
 * A real Spark standalone cluster for tests: one Master and one Worker, started from Spark's own
 * classes in this JVM, on 127.0.0.1 with ephemeral ports. The Worker launches its executors as
 * separate JVMs, whose class path is this test's class path ({@link #executorSettings()}).
 *
 * <p>Needs the environment surefire sets for this module ({@code SPARK_LOCAL_IP=127.0.0.1}, so that
 * nothing listens beyond loopback, and {@code SPARK_HOME}, where the Worker looks for a {@code
 * jars} folder). Close it to stop both and the executors.
 *
 * <pre>
 * try (LocalStandaloneCluster cluster = LocalStandaloneCluster.start(tmp, 2)) {
 *   ... SparkSessions.open(cluster.masterUrl(), out, "test", cluster.executorSettings()) ...
 * }
 * </pre>
 */
public final class LocalStandaloneCluster implements AutoCloseable {
  private static final String LOOPBACK = "127.0.0.1";

  private final RpcEnv master;
  private final RpcEnv worker;
  private final int cores;

  private LocalStandaloneCluster(RpcEnv master, RpcEnv worker, int cores) {
    this.master = master;
    this.worker = worker;
    this.cores = cores;
  }

  /**
   * Starts a Master and a Worker.
   *
   * @param workDir the Worker's folder (executors' logs and files)
   * @param cores the Worker's cores
   * @return the running cluster
   */
  public static LocalStandaloneCluster start(Path workDir, int cores) {
    if (!LOOPBACK.equals(System.getenv("SPARK_LOCAL_IP"))) {
      throw new IllegalStateException(
          "SPARK_LOCAL_IP must be 127.0.0.1 (dpo-spark's surefire configuration sets it), or"
              + " Spark's web UIs listen on every address");
    }
    String home = System.getenv("SPARK_HOME");
    if (home == null) {
      throw new IllegalStateException(
          "SPARK_HOME is not set (dpo-spark's surefire configuration sets it)");
    }
    try {
      // The Worker adds SPARK_HOME/jars/* to every executor's class path and refuses to start
      // one without that folder; Spark's classes reach the executors through extraClassPath.
      Files.createDirectories(Path.of(home, "jars"));
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // The cluster's own log goes to a file too, until a driver's SparkSessions.open moves it.
    SparkSessions.logTo(workDir.resolve("cluster.log"));
    SparkConf conf = new SparkConf(false);
    RpcEnv master = Master.startRpcEnvAndEndpoint(LOOPBACK, 0, 0, conf)._1();
    String url = "spark://" + LOOPBACK + ":" + master.address().port();
    RpcEnv worker;
    try {
      worker =
          Worker.startRpcEnvAndEndpoint(
              LOOPBACK,
              0,
              0,
              cores,
              1024,
              new String[] {url},
              workDir.toAbsolutePath().toString(),
              Option.empty(),
              new SparkConf(false),
              Option.empty());
    } catch (RuntimeException e) {
      stop(master);
      throw e;
    }
    return new LocalStandaloneCluster(master, worker, cores);
  }

  /** The master's URL, {@code spark://127.0.0.1:PORT}. */
  public String masterUrl() {
    return "spark://" + LOOPBACK + ":" + master.address().port();
  }

  /**
   * The settings an application needs here: executors get this test's class path (the project's
   * classes and Spark's), and as little memory as the Worker offers.
   */
  public Map<String, String> executorSettings() {
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    return Map.of(
        "spark.executor.extraClassPath",
        classPath,
        "spark.executor.memory",
        "512m",
        "spark.cores.max",
        Integer.toString(cores));
  }

  @Override
  public void close() {
    try {
      stop(worker);
    } finally {
      stop(master);
    }
  }

  private static void stop(RpcEnv env) {
    env.shutdown();
    env.awaitTermination();
  }
}
