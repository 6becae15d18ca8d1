// What each exported record holds (splunk_hec, elasticsearch, syslog): the whole roaming data once, or one
// document per attribute carrying a light copy of its event (and object, if any).

export interface ExportRecord {
  /** The record's content (the HEC `event`, the Elasticsearch document...). */
  event: unknown;
  /** Seconds since the epoch (the MISP timestamp), when known. */
  time?: number;
  /** UUID of the event (event mode) or attribute (attribute mode), when present: a stable record id. */
  uuid?: string;
  /** What the record stands for, by reference (never copied): typed exports (CEF, STIX) read these. */
  origin?: RecordOrigin;
}

export interface RecordOrigin {
  event?: Record<string, unknown>;
  attribute?: Record<string, unknown>;
  object?: Record<string, unknown>;
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

/** Keys a "Filter :: Generic" node adds to the roaming data (docs/protocol.md#filtered-data); not event content. */
const WORKFLOW_KEYS = ["_unfilteredData", "enabledFilters"] as const;

/** Event mode: the roaming data as one event. */
export function eventPayload(data: unknown): ExportRecord {
  if (!isObject(data)) return { event: data };
  const event = omit(data, WORKFLOW_KEYS);
  const record: ExportRecord = { event };
  if (isObject(data.Event)) {
    const time = epochSeconds(data.Event.timestamp);
    if (time !== undefined) record.time = time;
    if (typeof data.Event.uuid === "string" && data.Event.uuid !== "") record.uuid = data.Event.uuid;
    record.origin = { event: data.Event };
  }
  return record;
}

/** An item of a filter result that can stand for an attribute. */
export function looksLikeAttribute(v: unknown): v is Json {
  return isObject(v) && "type" in v && "value" in v;
}

export class NoEventError extends Error {}

/**
 * The attributes an export is about: the node's filter result when it is a list of
 * attributes, else `Event._AttributeFlattened` (else `Event.Attribute`), else the
 * `Attribute` of an attribute trigger. Never copied.
 */
export function exportedAttributes(data: unknown, filteredItems: readonly unknown[] | undefined): Json[] {
  if (filteredItems && filteredItems.length > 0 && filteredItems.every(looksLikeAttribute)) return filteredItems as Json[];
  if (!isObject(data)) return [];
  const event = isObject(data.Event) ? data.Event : undefined;
  if (event && Array.isArray(event._AttributeFlattened) && event._AttributeFlattened.length > 0)
    return event._AttributeFlattened.filter(isObject);
  if (event && Array.isArray(event.Attribute)) return event.Attribute.filter(isObject);
  if (isObject(data.Attribute)) return [data.Attribute];
  return [];
}

/**
 * Attribute mode: the attributes are the node's filter result when it is a list of
 * attributes, else `Event._AttributeFlattened` (else `Event.Attribute`).
 */
export function attributePayloads(data: unknown, filteredItems: readonly unknown[] | undefined): ExportRecord[] {
  const event = isObject(data) && isObject(data.Event) ? data.Event : undefined;
  if (!event) throw new NoEventError("event_per_attribute needs data in MISP core format (an Event); this trigger sends none");
  let attributes: unknown[];
  if (filteredItems && filteredItems.length > 0 && filteredItems.every(looksLikeAttribute)) attributes = [...filteredItems];
  else if (Array.isArray(event._AttributeFlattened) && event._AttributeFlattened.length > 0) attributes = event._AttributeFlattened;
  else attributes = Array.isArray(event.Attribute) ? event.Attribute : [];

  const lightEvent = omit(event, ["Attribute", "Object", "_AttributeFlattened"]);
  const objects = Array.isArray(event.Object) ? event.Object.filter(isObject) : [];
  const out: ExportRecord[] = [];
  for (const attribute of attributes) {
    if (!isObject(attribute)) continue;
    const doc: Json = { Attribute: attribute, Event: lightEvent };
    const object = owningObject(attribute, objects);
    if (object) doc.Object = { id: object.id, uuid: object.uuid, name: object.name, "meta-category": object["meta-category"] };
    const record: ExportRecord = { event: doc, origin: { event, attribute, object } };
    const time = epochSeconds(attribute.timestamp);
    if (time !== undefined) record.time = time;
    if (typeof attribute.uuid === "string" && attribute.uuid !== "") record.uuid = attribute.uuid;
    out.push(record);
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
