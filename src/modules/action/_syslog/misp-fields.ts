// Small readers of MISP event/attribute fields used by the syslog payloads.

type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** MISP's threat_level_id as a string ("1" High … "4" Undefined), when present. */
export function threatLevel(event: Json): string | undefined {
  const v = event.threat_level_id;
  return typeof v === "string" || typeof v === "number" ? String(v) : undefined;
}

export const THREAT_LEVEL_NAMES: Readonly<Record<string, string>> = { "1": "High", "2": "Medium", "3": "Low", "4": "Undefined" };

/** A MISP timestamp (epoch seconds as text) in milliseconds. */
export function misptime(v: unknown): number | undefined {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d{1,12}$/.test(v) ? Number(v) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n * 1000 : undefined;
}

function tagNames(list: unknown): string[] {
  return Array.isArray(list)
    ? list
        .filter(isObject)
        .map((t) => t.name)
        .filter((n): n is string => typeof n === "string")
    : [];
}

export function eventTags(event: Json): string[] {
  return tagNames(event.Tag);
}

export function attributeTags(attribute: Json): string[] {
  return tagNames(attribute.Tag);
}
