import { eventOf, isObject, tagNames, type Json } from "./event-view.js";

// Facts about the event that case-management and paging modules map to their own scales:
// identifiers, threat level, TLP and PAP from the event's tags, a link back to MISP.

export type Marking = "clear" | "green" | "amber" | "amber+strict" | "red";

function text(v: unknown): string {
  if (typeof v === "string") return v.trim();
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return "";
}

export interface EventFacts {
  id: string;
  uuid: string;
  info: string;
  /** "1" High … "4" Undefined, "" when absent. */
  threatLevelId: string;
  orgName: string;
  tags: string[];
  /** Epoch seconds of the event's `timestamp`, when present. */
  timestamp?: number;
  /** Event date "YYYY-MM-DD", when present. */
  date: string;
}

export function eventFacts(data: unknown): EventFacts | undefined {
  const ev = eventOf(data);
  if (!ev) return undefined;
  const ts = Number(text(ev.timestamp));
  return {
    id: text(ev.id),
    uuid: text(ev.uuid),
    info: text(ev.info),
    threatLevelId: text(ev.threat_level_id),
    orgName: isObject(ev.Orgc) ? text(ev.Orgc.name) : "",
    tags: tagNames(ev.Tag),
    timestamp: Number.isFinite(ts) && ts > 0 ? ts : undefined,
    date: text(ev.date),
  };
}

const THREAT_NAMES: Record<string, string> = { "1": "High", "2": "Medium", "3": "Low", "4": "Undefined" };

export function threatLevelName(id: string): string | undefined {
  return THREAT_NAMES[id];
}

/** The strictest marking among tags of a namespace (`tlp:` or `PAP:`), case-insensitive; white counts as clear. */
function strictestMarking(tags: readonly string[], namespace: "tlp" | "pap"): Marking | undefined {
  const order: Marking[] = ["clear", "green", "amber", "amber+strict", "red"];
  let best = -1;
  for (const tag of tags) {
    const m = /^([a-z]+):(.+)$/i.exec(tag.trim());
    if (!m || m[1]!.toLowerCase() !== namespace) continue;
    let v = m[2]!.trim().toLowerCase().replace(/^"|"$/g, "");
    if (v === "white") v = "clear";
    const i = order.indexOf(v as Marking);
    if (i > best) best = i;
  }
  return best >= 0 ? order[best] : undefined;
}

export function tlpOf(tags: readonly string[]): Marking | undefined {
  return strictestMarking(tags, "tlp");
}

export function papOf(tags: readonly string[]): Marking | undefined {
  return strictestMarking(tags, "pap");
}

/** `<base>/events/view/<id>` when both are known (base: the module's misp_base_url setting). */
export function eventLink(base: string | undefined, id: string): string | undefined {
  const b = base?.trim().replace(/\/+$/, "");
  if (!b || !id || !/^https?:\/\//i.test(b)) return undefined;
  return `${b}/events/view/${encodeURIComponent(id)}`;
}

/** The attribute of an attribute-scope trigger: the only attribute of the wrapped event. */
export function triggerAttribute(attributes: readonly Json[]): Json | undefined {
  return attributes.length === 1 ? attributes[0] : undefined;
}
