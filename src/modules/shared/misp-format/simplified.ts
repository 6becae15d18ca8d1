// Helpers for the simplified reply format (docs/protocol.md#simplified-reply) and the error reply shared by both
// formats (docs/protocol.md#expansion-errors: `results` is always present so MISP's batch enrichment never aborts).
import type { SimplifiedResult } from "./schemas.js";

export interface SimplifiedExtras {
  categories?: readonly string[];
  comment?: string;
  toIds?: boolean;
  tags?: readonly string[];
}

/** One result entry; empty values are dropped here rather than silently by MISP. */
export function simplifiedResult(
  types: string | readonly string[],
  values: readonly string[],
  extras: SimplifiedExtras = {},
): SimplifiedResult {
  const entry: SimplifiedResult = {
    types: typeof types === "string" ? [types] : [...types],
    values: values.filter((v) => v.trim() !== "" && v !== "0"),
  };
  if (extras.categories?.length) entry.categories = [...extras.categories];
  if (extras.comment) entry.comment = extras.comment;
  if (extras.toIds !== undefined) entry.to_ids = extras.toIds;
  if (extras.tags?.length) entry.tags = [...new Set(extras.tags)];
  return entry;
}

export function simplifiedReply(results: SimplifiedResult[], comment?: string): { results: SimplifiedResult[]; comment?: string } {
  return comment ? { results, comment } : { results };
}

/** The failure / "nothing found" reply of every expansion. */
export function expansionError(message: string): { error: string; results: [] } {
  return { error: message, results: [] };
}
