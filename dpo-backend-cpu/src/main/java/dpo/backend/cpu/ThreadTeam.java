package dpo.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A fixed team that runs one task in {@code size} parts at once, the caller taking part 0. Built
 * for tasks a few hundred microseconds long issued back to back (the products of a decoding step):
 * a thread pool's hand-off, a wake-up per task and per result, would cost about as much as the
 * work. Waiting threads spin for a short while before they sleep, so a task that follows soon
 * starts without a wake-up, and a team between generations holds no core.
 */
final class ThreadTeam implements AutoCloseable {
  /** How long a waiting thread spins before it sleeps. */
  private static final long SPIN_NANOS = 50_000;

  private final Thread[] workers;
  private final AtomicInteger pending = new AtomicInteger();
  private volatile long epoch;
  private volatile boolean closed;
  private volatile Thread caller;
  private volatile Throwable failure;
  private IntConsumer task;

  /** Starts {@code size - 1} daemon threads named after {@code name}. */
  ThreadTeam(int size, String name) {
    if (size < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + size);
    }
    workers = new Thread[size - 1];
    for (int i = 0; i < workers.length; i++) {
      int part = i + 1;
      workers[i] = new Thread(() -> work(part), name + "-" + part);
      workers[i].setDaemon(true);
      workers[i].start();
    }
  }

  /** The parts of every task: the caller's and the workers'. */
  int size() {
    return workers.length + 1;
  }

  /**
   * Runs {@code part.accept(i)} for every i below {@link #size()} and returns when all are done; a
   * part's failure is rethrown. One task at a time.
   */
  synchronized void run(IntConsumer part) {
    if (closed) {
      throw new IllegalStateException("the team is closed");
    }
    if (workers.length == 0) {
      part.accept(0);
      return;
    }
    task = part;
    failure = null;
    caller = Thread.currentThread();
    pending.set(workers.length);
    epoch++; // publishes task to the workers
    for (Thread w : workers) {
      LockSupport.unpark(w);
    }
    try {
      part.accept(0);
    } finally {
      long start = System.nanoTime();
      while (pending.get() != 0) {
        pause(start);
      }
    }
    Throwable t = failure;
    if (t instanceof RuntimeException) {
      throw (RuntimeException) t;
    }
    if (t instanceof Error) {
      throw (Error) t;
    }
  }

  /** A share of a range of indices: {@code from} inclusive to {@code to} exclusive. */
  interface Share {
    void run(int from, int to);
  }

  /**
   * Splits {@code [0, count)} into {@link #size()} contiguous shares, in order, and runs one per
   * part (see {@link #run}).
   */
  void split(int count, Share share) {
    int parts = size();
    run(
        part ->
            share.run(
                (int) ((long) count * part / parts), (int) ((long) count * (part + 1) / parts)));
  }

  private void work(int part) {
    long seen = 0;
    while (true) {
      long start = System.nanoTime();
      long now;
      while ((now = epoch) == seen) {
        if (closed) {
          return;
        }
        pause(start);
      }
      seen = now;
      try {
        task.accept(part);
      } catch (Throwable t) {
        failure = t;
      }
      if (pending.decrementAndGet() == 0) {
        LockSupport.unpark(caller);
      }
    }
  }

  /** Spins for the first {@link #SPIN_NANOS} of a wait, then sleeps until woken. */
  private void pause(long start) {
    if (System.nanoTime() - start < SPIN_NANOS) {
      Thread.onSpinWait();
    } else {
      LockSupport.park(this);
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Thread w : workers) {
      LockSupport.unpark(w);
    }
  }
}
