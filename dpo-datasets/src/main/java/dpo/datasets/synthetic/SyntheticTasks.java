package dpo.datasets.synthetic;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The bundled synthetic tasks by id. */
public final class SyntheticTasks {
  private static final Map<String, SyntheticTask> TASKS =
      tasks(new SafeHelpfulTask(), new OrderedTopicsTask());

  private SyntheticTasks() {}

  private static Map<String, SyntheticTask> tasks(SyntheticTask... tasks) {
    Map<String, SyntheticTask> byId = new TreeMap<>();
    for (SyntheticTask task : tasks) {
      if (byId.put(task.id(), task) != null) {
        throw new IllegalStateException("two synthetic tasks have the id " + task.id());
      }
    }
    return java.util.Collections.unmodifiableMap(byId);
  }

  /**
   * The ids of the bundled tasks.
   *
   * @return the ids, sorted
   */
  public static List<String> ids() {
    return List.copyOf(TASKS.keySet());
  }

  /**
   * The task with an id.
   *
   * @param id the task id
   * @return the task, if one has that id
   */
  public static Optional<SyntheticTask> find(String id) {
    return Optional.ofNullable(TASKS.get(id));
  }

  /**
   * The task with an id, which must exist.
   *
   * @param id the task id
   * @return the task
   * @throws IllegalArgumentException if no task has that id; the message lists the ids
   */
  public static SyntheticTask get(String id) {
    return find(id)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown synthetic task '"
                        + id
                        + "'; known tasks: "
                        + String.join(", ", ids())));
  }
}
