import type { ModuleRegistry } from "../core/registry/registry.js";
import { declaredSecrets, type Journal } from "./journal.js";
import { isSecretKey, MASK, scrub, secretStrings } from "./masking.js";

// Rebuilds the /query body of a recorded query for a replay: the stored (masked) request,
// masked values restored from the in-memory vault unless the user replaces them, then the edits.

export class ReplayError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let cur: unknown = target;
  for (let i = 0; i < parts.length - 1; i++) {
    if (cur === null || typeof cur !== "object") return;
    cur = (cur as Record<string, unknown>)[parts[i]!];
  }
  if (cur !== null && typeof cur === "object") (cur as Record<string, unknown>)[parts[parts.length - 1]!] = value;
}

function hasMask(v: unknown, path = ""): string | undefined {
  if (v === MASK) return path || "(value)";
  if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      const found = hasMask(x, path ? `${path}.${k}` : k);
      if (found) return found;
    }
  }
  return undefined;
}

export interface ReplayPlan {
  body: Record<string, unknown>;
  /** Strings to scrub from anything shown back (restored and newly given secrets). */
  secrets: string[];
  originalReply: string | null;
}

/**
 * `originals` are the values masked in the recorded request (the writer thread keeps them in
 * memory: JournalWriter.originals); by default the journal's own vault.
 */
export function planReplay(
  journal: Journal,
  registry: ModuleRegistry,
  id: number,
  edits: Record<string, unknown> = {},
  originals: Record<string, unknown> = journal.vault.get(id) ?? {},
): ReplayPlan {
  const row = journal.getQuery(id);
  if (!row) throw new ReplayError(`no recorded query with id ${id}`, 404);
  if (!row.request_hash)
    throw new ReplayError(`query ${id} was recorded without its request (capture mode "metadata"); it cannot be replayed`, 409);
  const payload = journal.store.getPayload(row.request_hash);
  if (!payload) throw new ReplayError(`the request of query ${id} is no longer stored (retention)`, 410);
  if (payload.truncated)
    throw new ReplayError(
      `the request of query ${id} was larger than the payload cap (${payload.size} bytes) and only a truncated copy was kept; it cannot be replayed`,
      409,
    );
  const body = JSON.parse(payload.body) as Record<string, unknown>;
  const mod = registry.get(String(body.module));
  const isExpansion = mod?.def.kind === "expansion" || (!("params" in body) && "config" in body);
  const container = isExpansion ? "config" : "params";
  const target = (
    body[container] && typeof body[container] === "object" && !Array.isArray(body[container]) ? body[container] : (body[container] = {})
  ) as Record<string, unknown>;
  // Edits name a parameter by name, id or label; map them to the key MISP uses.
  const keyFor = (name: string): string => {
    const p = mod?.params.find((x) => x.name === name || x.id === name || x.label === name);
    return p ? p.id : name;
  };
  const edited = new Set(Object.keys(edits).map((k) => `${container}.${keyFor(k)}`));
  for (const [path, value] of Object.entries(originals)) if (!edited.has(path)) setPath(body, path, value);
  for (const [name, value] of Object.entries(edits)) target[keyFor(name)] = value;
  const left = hasMask(body);
  if (left)
    throw new ReplayError(
      `the masked value of ${left} is no longer known to the server (it keeps secrets in memory only, and it restarted since); give it as a parameter`,
      409,
    );
  const declared = declaredSecrets(mod);
  const given = Object.entries(edits)
    .filter(([k, v]) => typeof v === "string" && (isSecretKey(k) || declared.has(k) || declared.has(keyFor(k))))
    .map(([, v]) => v as string);
  const replyPayload = row.reply_hash ? journal.store.getPayload(row.reply_hash) : undefined;
  return { body, secrets: [...secretStrings(originals), ...given], originalReply: replyPayload?.body ?? null };
}

/** Scrubs secret values from replay output. */
export function scrubReply(text: string, secrets: readonly string[]): string {
  return scrub(text, secrets);
}
