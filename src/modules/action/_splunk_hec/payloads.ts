// What each Splunk event contains (MODULES §7.3): the whole roaming data once, or one
// document per attribute carrying a light copy of its event (and object, if any).

export interface SplunkPayload {
  /** The `event` of the HEC envelope. */
  event: unknown;
  /** Seconds since the epoch (the MISP timestamp), when known. */
  time?: number;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** MISP timestamps are decimal strings; anything else is "unknown". */
function epochSeconds(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v) && v > 0) return v;
  if (typeof v === "string" && /^\d{1,12}$/.test(v) && Number(v) > 0) return Number(v);
  return undefined;
}

function omit(obj: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(obj)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/** Keys a "Filter :: Generic" node adds to the roaming data (PROTOCOL §10.4); not event content. */
const WORKFLOW_KEYS = ["_unfilteredData", "enabledFilters"] as const;

/** Event mode: the roaming data as one event. */
export function eventPayload(data: unknown): SplunkPayload {
  if (!isObject(data)) return { event: data };
  const event = omit(data, WORKFLOW_KEYS);
  const time = isObject(data.Event) ? epochSeconds(data.Event.timestamp) : undefined;
  return time === undefined ? { event } : { event, time };
}

/** An item of a filter result that can stand for an attribute. */
export function looksLikeAttribute(v: unknown): v is Json {
  return isObject(v) && "type" in v && "value" in v;
}

export class NoEventError extends Error {}

/**
 * Attribute mode: the attributes are the node's filter result when it is a list of
 * attributes, else `Event._AttributeFlattened` (else `Event.Attribute`).
 */
export function attributePayloads(data: unknown, filteredItems: readonly unknown[] | undefined): SplunkPayload[] {
  const event = isObject(data) && isObject(data.Event) ? data.Event : undefined;
  if (!event) throw new NoEventError("event_per_attribute needs data in MISP core format (an Event); this trigger sends none");
  let attributes: unknown[];
  if (filteredItems && filteredItems.length > 0 && filteredItems.every(looksLikeAttribute)) attributes = [...filteredItems];
  else if (Array.isArray(event._AttributeFlattened) && event._AttributeFlattened.length > 0) attributes = event._AttributeFlattened;
  else attributes = Array.isArray(event.Attribute) ? event.Attribute : [];

  const lightEvent = omit(event, ["Attribute", "Object", "_AttributeFlattened"]);
  const objects = Array.isArray(event.Object) ? event.Object.filter(isObject) : [];
  const out: SplunkPayload[] = [];
  for (const attribute of attributes) {
    if (!isObject(attribute)) continue;
    const doc: Json = { Attribute: attribute, Event: lightEvent };
    const object = owningObject(attribute, objects);
    if (object) doc.Object = { id: object.id, uuid: object.uuid, name: object.name, "meta-category": object["meta-category"] };
    const time = epochSeconds(attribute.timestamp);
    out.push(time === undefined ? { event: doc } : { event: doc, time });
  }
  return out;
}

/** The object an attribute belongs to: by `object_id`, else by finding its uuid in an object's list. */
function owningObject(attribute: Json, objects: Json[]): Json | undefined {
  const objectId = attribute.object_id;
  if (objectId !== undefined && objectId !== null && objectId !== "0" && objectId !== 0) {
    const byId = objects.find((o) => String(o.id) === String(objectId));
    if (byId) return byId;
  }
  if (typeof attribute.uuid !== "string") return undefined;
  return objects.find((o) => Array.isArray(o.Attribute) && o.Attribute.some((a) => isObject(a) && a.uuid === attribute.uuid));
}
