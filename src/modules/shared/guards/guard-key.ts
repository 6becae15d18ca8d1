import { extract } from "../../../engines/cakephp-hash/index.js";
import { ModuleError } from "../../../sdk/index.js";

// The key a once/rate guard counts by (docs/guards.md): the `subject` parameter as MISP rendered
// it (e.g. the attribute's uuid), or what the `subject_path` hash path extracts, or both joined.
// Not named "key": values of parameters with secret-looking names are scrubbed from replies.

const SHOWN_KEY_CHARS = 80;

export interface GuardKeyInput {
  /** The `subject` parameter after MISP's Jinja rendering ("" when unset or rendered to nothing). */
  key: string;
  /** The `subject_path` parameter as written ("" when unset). */
  keyPath: string;
  /** MISP's extraction for subject_path (matchingData), when it sent one. */
  extracted: unknown;
  data: unknown;
}

function keyText(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v) ?? "";
}

/** The key, or a ModuleError saying why there is none (the guard then blocks: fail closed). */
export function guardKey(i: GuardKeyInput): string {
  const parts: string[] = [];
  if (i.key.trim() !== "") parts.push(i.key.trim());
  if (i.keyPath.trim() !== "") {
    // MISP sends the extraction in matchingData; a hand-made request may not, so extract here.
    let found = i.extracted === undefined ? extract(i.data, i.keyPath.trim()) : i.extracted;
    if (Array.isArray(found) && found.length === 1) found = found[0];
    if (found === undefined || found === null || found === "" || (Array.isArray(found) && found.length === 0))
      throw new ModuleError(
        `subject_path "${i.keyPath.trim()}" found nothing in the data, so there is no key to check: the run stops here`,
      );
    parts.push(keyText(found));
  }
  if (parts.length === 0)
    throw new ModuleError(
      "no key: set Subject (e.g. {{ Event._AttributeFlattened[0].uuid }}) or Subject Path (e.g. Event._AttributeFlattened.{n}.uuid); a Subject template that renders to nothing also ends here, and the run stops",
    );
  return parts.join("\n");
}

/** The key as shown in an error: one line, cut. */
export function showKey(key: string): string {
  const line = key.replace(/\s+/g, " ");
  return JSON.stringify(line.length > SHOWN_KEY_CHARS ? line.slice(0, SHOWN_KEY_CHARS) + "…" : line);
}

/** 2592000000 → "30d"; the largest unit that divides the span. */
export function formatSpan(ms: number): string {
  for (const [unit, size] of [
    ["w", 604_800_000],
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const)
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** The error a guard answers when its state cannot be read or written: it fails closed. */
export function stateUnavailable(e: unknown): ModuleError {
  const reason = e instanceof Error ? e.message : String(e);
  return new ModuleError(`${reason}; failing closed: the run stops here (see docs/guards.md)`);
}
