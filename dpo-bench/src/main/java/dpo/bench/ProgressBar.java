package dpo.bench;

import dpo.core.align.AlignExperiment;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress line on standard error for {@code dpo align}, {@code dpo lm train} and {@code dpo
 * train}: the run, its iteration and stage, the training rate and the estimated time left. It
 * redraws in place only on a terminal and only once the work has lasted a few seconds; elsewhere
 * (logs, tests) it prints one line per finished run, so standard output's tables are never garbled.
 */
final class ProgressBar implements AlignExperiment.Progress {
  private static final long SHOW_AFTER_NANOS = 3_000_000_000L;
  private static final long REDRAW_NANOS = 250_000_000L;

  private final PrintWriter err;
  private final String command;
  private final int runs;
  private final int iterations;
  private final boolean terminal = System.console() != null;
  private final long start = System.nanoTime();
  private int finishedRuns;
  private String run = "";
  private long lastDraw;
  private long runStart;
  private long stepsThisRun;
  private boolean drawn;

  ProgressBar(PrintWriter err, int runs, int iterations) {
    this(err, runs, iterations, "align");
  }

  /** A bar whose finished-run lines start with {@code command}. */
  ProgressBar(PrintWriter err, int runs, int iterations, String command) {
    this.command = command;
    this.err = err;
    this.runs = runs;
    this.iterations = iterations;
  }

  @Override
  public void startRun(String name) {
    run = name;
    runStart = System.nanoTime();
    stepsThisRun = 0;
  }

  @Override
  public void endRun(String summary) {
    finishedRuns++;
    clear();
    err.printf(
        Locale.ROOT,
        "%s: %d/%d %s (%.0f s)%n",
        command,
        finishedRuns,
        runs,
        summary,
        (System.nanoTime() - runStart) / 1e9);
    err.flush();
  }

  @Override
  public void update(int iteration, String stage, long done, long total) {
    if (stage.equals("train")) {
      stepsThisRun++;
    }
    long now = System.nanoTime();
    if (!terminal || now - start < SHOW_AFTER_NANOS || now - lastDraw < REDRAW_NANOS) {
      return;
    }
    lastDraw = now;
    double withinIteration = total == 0 ? 0 : (double) done / total;
    double fraction = (finishedRuns + ((iteration - 1) + withinIteration) / iterations) / runs;
    double elapsed = (now - start) / 1e9;
    double rate = stepsThisRun / Math.max(1e-9, (now - runStart) / 1e9);
    String eta = fraction > 0.001 ? time(elapsed * (1 - fraction) / fraction) : "?";
    int width = 24;
    int filled = (int) Math.round(Math.min(1, fraction) * width);
    err.print(
        String.format(
            Locale.ROOT,
            "\r[%s%s] %3.0f%% %s it %d/%d %s %d/%d | %.1f steps/s" + " | ETA %s   ",
            "=".repeat(filled),
            " ".repeat(width - filled),
            100 * fraction,
            run,
            iteration,
            iterations,
            stage,
            done,
            total,
            rate,
            eta));
    err.flush();
    drawn = true;
  }

  private void clear() {
    if (drawn) {
      err.print("\r" + " ".repeat(110) + "\r");
      drawn = false;
    }
  }

  private static String time(double seconds) {
    long s = Math.round(seconds);
    return s >= 60 ? (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s" : s + "s";
  }
}
