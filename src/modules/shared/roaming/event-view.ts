// Read-only views of MISP roaming data (docs/protocol.md#roaming-data): the event, its attributes and tags,
// whatever the trigger (whole event, or one attribute/object wrapped in its event).

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The `Event` of roaming data, if the trigger sends the MISP core format. */
export function eventOf(data: unknown): Json | undefined {
  return isObject(data) && isObject(data.Event) ? data.Event : undefined;
}

function list(v: unknown): Json[] {
  if (Array.isArray(v)) return v.filter(isObject);
  // PHP position-keyed arrays arrive as objects.
  if (isObject(v)) return Object.values(v).filter(isObject);
  return [];
}

/**
 * Every attribute of the event: `_AttributeFlattened` when present (top-level attributes then
 * object attributes), else `Attribute` followed by `Object[].Attribute`. A bare `{Attribute: {...}}`
 * payload yields that attribute.
 */
export function attributesOf(data: unknown): Json[] {
  const ev = eventOf(data);
  if (!ev) return isObject(data) && isObject(data.Attribute) ? [data.Attribute] : [];
  const flat = list(ev._AttributeFlattened);
  if (flat.length > 0) return flat;
  return [...list(ev.Attribute), ...list(ev.Object).flatMap((o) => list(o.Attribute))];
}

/** Tag names of a Tag list (`[{name: ...}]`). */
export function tagNames(tags: unknown): string[] {
  return list(tags)
    .map((t) => t.name)
    .filter((n): n is string => typeof n === "string");
}

/** An attribute's tags: its own `Tag` plus `_allTags` (which also holds inherited event tags). */
export function attributeTagNames(attr: Json, includeInherited = true): string[] {
  const own = tagNames(attr.Tag);
  const all = list(attr._allTags).filter((t) => includeInherited || t.inherited !== true);
  return [...new Set([...own, ...tagNames(all)])];
}

/** "value (type)" for messages. */
export function describeAttribute(attr: Json): string {
  return `${String(attr.value ?? "?")} (${String(attr.type ?? "?")})`;
}
