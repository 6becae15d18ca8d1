import { ParamError } from "../../sdk/errors.js";
import type { LoadedModule } from "../registry/registry.js";
import type { SecretStore } from "../../services/secrets/store.js";
import { SECRET_NAME_RE, urlCredentialParts } from "../../services/secrets/scrub.js";

// Turns MISP's node request (docs/protocol.md#action-request) into what an action handler reads: values by
// declared parameter name, matchingData by name, filteredItems as a list.

export interface PreparedActionInput {
  params: Record<string, unknown>;
  rawParams: Record<string, string>;
  matchingData: Record<string, unknown>;
  filteredItems?: unknown[];
  /** Values to scrub from any error or log line of this request. */
  secretValues: string[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function rawString(name: string, v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw new ParamError(name, "must be text");
}

/**
 * MISP sends position-keyed objects for filter survivors and the whole data when nothing
 * was filtered. A list (or position-keyed object) is a real item list; anything else
 * (e.g. the roaming data with its `Event` key) means "no effective filtering".
 */
export function normaliseFilteredItems(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (!isPlainObject(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length === 0 || !keys.every((k) => /^(0|[1-9]\d*)$/.test(k))) return undefined;
  return keys.sort((a, b) => Number(a) - Number(b)).map((k) => v[k]);
}

export function prepareActionInput(mod: LoadedModule, body: Record<string, unknown>, secrets: SecretStore): PreparedActionInput {
  // PHP encodes an empty params array as [] (docs/protocol.md#php-json).
  const rawParams = isPlainObject(body.params) ? body.params : {};
  const rawMatching = isPlainObject(body.matchingData) ? body.matchingData : {};
  const params: Record<string, unknown> = {};
  const rawValues: Record<string, string> = {};
  const matchingData: Record<string, unknown> = {};
  const secretValues: string[] = [];

  for (const p of mod.params) {
    // MISP keys params by slugged id; hand-written requests (curl, tests) may use the name.
    let raw = rawString(p.name, rawParams[p.id] ?? rawParams[p.name]);
    rawValues[p.name] = raw;
    const secretLike = p.spec.secret || SECRET_NAME_RE.test(p.name);
    if (p.spec.secret && secrets.isReference(raw)) {
      try {
        raw = secrets.resolve(raw);
      } catch (e) {
        throw new ParamError(p.name, (e as Error).message);
      }
    }
    if (secretLike && raw !== "") secretValues.push(raw);
    // Userinfo and token-like query values of any URL parameter are credentials too.
    else if (p.spec.kind === "url" && raw !== "") secretValues.push(...urlCredentialParts(raw));
    if (p.spec.required && raw.trim() === "") throw new ParamError(p.name, "is required");
    const parsed = p.spec.schema.safeParse(raw);
    if (!parsed.success) throw new ParamError(p.name, parsed.error.issues[0]?.message ?? "invalid value");
    params[p.name] = parsed.data;
    if (p.spec.widget === "hash_path") {
      const md = rawMatching[p.label] ?? rawMatching[p.name] ?? rawMatching[p.id];
      // MISP sends the whole data for an empty path (docs/protocol.md#action-request).
      matchingData[p.name] = md === undefined && raw === "" ? body.data : md;
    }
  }
  return { params, rawParams: rawValues, matchingData, filteredItems: normaliseFilteredItems(body.filteredItems), secretValues };
}
