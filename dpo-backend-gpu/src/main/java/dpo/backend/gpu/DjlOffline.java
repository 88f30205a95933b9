package dpo.backend.gpu;

/**
 * Keeps DJL from opening network connections. Call {@link #enforce()} before the first DJL class is
 * touched; the launcher and the build's test runner also set both switches.
 */
public final class DjlOffline {
  /** System property that stops DJL from downloading engines and models. */
  public static final String OFFLINE = "ai.djl.offline";

  /** Switch (environment variable or system property) that stops DJL's usage reporting. */
  public static final String OPT_OUT_TRACKING = "OPT_OUT_TRACKING";

  private DjlOffline() {}

  /**
   * Sets both switches to {@code true}, overriding any other value; on a machine without a GPU also
   * silences DJL's CUDA probe ({@link NvidiaGpus#quietCudaProbeWithoutGpu()}), since this is the
   * one place that runs before DJL starts.
   */
  public static void enforce() {
    System.setProperty(OFFLINE, "true");
    System.setProperty(OPT_OUT_TRACKING, "true");
    NvidiaGpus.quietCudaProbeWithoutGpu();
  }

  /**
   * Whether both switches are set now.
   *
   * @return true if offline mode and the tracking opt-out are in force
   */
  public static boolean inForce() {
    return "true".equals(System.getProperty(OFFLINE))
        && ("true".equals(System.getProperty(OPT_OUT_TRACKING))
            || "true".equals(System.getenv(OPT_OUT_TRACKING)));
  }
}
