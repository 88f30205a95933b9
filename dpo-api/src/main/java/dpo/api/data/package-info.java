/**
 * Dataset values: prompts, preference pairs, generation records and safety-labelled comparisons.
 *
 * <p>Every row of a dataset is a {@link dpo.api.data.DataRecord} with a {@link dpo.api.data.Content
 * prompt}: a {@link dpo.api.data.PromptRecord} (prompt-only sets for online training), a {@link
 * dpo.api.data.PreferencePair} (TRL's {@code prompt, chosen, rejected}), a {@link
 * dpo.api.data.GenerationRecord} (sampled responses and their rewards) or a {@link
 * dpo.api.data.SafeRlhfRow} (PKU-SafeRLHF). Prompts and responses are plain text or chat {@link
 * dpo.api.data.Message messages}. {@link dpo.api.data.DataFormat} names the row schemas that
 * readers and writers understand.
 */
@Experimental("the row types grow with the dataset formats the readers support")
package dpo.api.data;

import dpo.api.Experimental;
