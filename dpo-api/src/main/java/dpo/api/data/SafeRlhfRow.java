package dpo.api.data;

import java.util.Objects;

/**
 * A row of PKU-SafeRLHF: two responses to a prompt, which of them is more helpful ("better"), which
 * is safer, and whether each is safe.
 *
 * @param prompt the prompt
 * @param response0 the first response
 * @param response1 the second response
 * @param betterResponseId 0 or 1: the more helpful response
 * @param saferResponseId 0 or 1: the safer response
 * @param response0Safe whether the first response is safe
 * @param response1Safe whether the second response is safe
 */
public record SafeRlhfRow(
    Content prompt,
    String response0,
    String response1,
    int betterResponseId,
    int saferResponseId,
    boolean response0Safe,
    boolean response1Safe)
    implements DataRecord {
  /**
   * Validates the row.
   *
   * @param prompt the prompt
   * @param response0 the first response
   * @param response1 the second response
   * @param betterResponseId 0 or 1: the more helpful response
   * @param saferResponseId 0 or 1: the safer response
   * @param response0Safe whether the first response is safe
   * @param response1Safe whether the second response is safe
   */
  public SafeRlhfRow {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(response0, "response0");
    Objects.requireNonNull(response1, "response1");
    checkId("betterResponseId", betterResponseId);
    checkId("saferResponseId", saferResponseId);
  }

  /**
   * One of the two responses.
   *
   * @param id 0 or 1
   * @return the response
   */
  public String response(int id) {
    checkId("id", id);
    return id == 0 ? response0 : response1;
  }

  /**
   * Whether one of the two responses is safe.
   *
   * @param id 0 or 1
   * @return its safety label
   */
  public boolean isSafe(int id) {
    checkId("id", id);
    return id == 0 ? response0Safe : response1Safe;
  }

  /**
   * The helpfulness preference: the better response chosen over the other. This is the pair a DPO
   * run on PKU-SafeRLHF trains on unless it targets safety.
   *
   * @return the pair, without rewards
   */
  public PreferencePair betterPair() {
    return pair(betterResponseId);
  }

  /**
   * The safety preference: the safer response chosen over the other.
   *
   * @return the pair, without rewards
   */
  public PreferencePair saferPair() {
    return pair(saferResponseId);
  }

  @Override
  public SafeRlhfRow withPrompt(Content prompt) {
    return new SafeRlhfRow(
        prompt,
        response0,
        response1,
        betterResponseId,
        saferResponseId,
        response0Safe,
        response1Safe);
  }

  private PreferencePair pair(int chosenId) {
    return PreferencePair.of(
        prompt, Content.of(response(chosenId)), Content.of(response(1 - chosenId)));
  }

  private static void checkId(String name, int id) {
    if (id != 0 && id != 1) {
      throw new IllegalArgumentException(
          name + " must be 0 (response_0) or 1 (response_1), got " + id);
    }
  }
}
