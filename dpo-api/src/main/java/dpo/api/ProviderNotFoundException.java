package dpo.api;

import java.util.List;

/** No provider of the requested kind has the requested id. The message lists the ids that exist. */
public class ProviderNotFoundException extends DpoException {
  private static final long serialVersionUID = 1L;

  /** The kind of provider looked up (sampler, objective, ...). */
  private final String kind;

  /** The id that was asked for. */
  private final String requestedId;

  /** The ids that exist, for the message. */
  private final List<String> availableIds;

  /**
   * Creates the exception.
   *
   * @param kind the provider kind, e.g. "sampler"
   * @param requestedId the id that was asked for
   * @param availableIds the ids that were discovered
   */
  public ProviderNotFoundException(String kind, String requestedId, List<String> availableIds) {
    super(
        "unknown "
            + kind
            + " '"
            + requestedId
            + "'; available: "
            + (availableIds.isEmpty()
                ? "(none found on the class path)"
                : String.join(", ", availableIds)));
    this.kind = kind;
    this.requestedId = requestedId;
    this.availableIds = List.copyOf(availableIds);
  }

  /**
   * The provider kind.
   *
   * @return e.g. "sampler"
   */
  public String kind() {
    return kind;
  }

  /**
   * The id that was not found.
   *
   * @return the requested id
   */
  public String requestedId() {
    return requestedId;
  }

  /**
   * The ids that were available.
   *
   * @return the discovered ids, sorted
   */
  public List<String> availableIds() {
    return availableIds;
  }
}
