// IBM LEEF 2.0 payloads (docs/actions-siem.md#syslog): `LEEF:2.0|Vendor|Product|Version|EventID|x09|`
// then key=value pairs separated by a tab. Header fields escape `\` and `|`; values cannot
// contain the delimiter or line breaks, which become spaces.

import type { RecordOrigin } from "../../shared/export-records/index.js";
import type { CefProduct } from "./cef.js";
import { attributeTags, eventTags, isObject, misptime, threatLevel } from "./misp-fields.js";

export const LEEF_DELIMITER = "\t";

export function leefHeaderEscape(value: string): string {
  return value.replace(/[\r\n]+/g, " ").replace(/[\\|]/g, (c) => `\\${c}`);
}

export function leefValue(value: string): string {
  return value.replace(/[\t\r\n]+/g, " ");
}

/** LEEF `sev` 1–10 from MISP's threat level. */
export const LEEF_SEVERITY: Readonly<Record<string, number>> = { "1": 8, "2": 5, "3": 3, "4": 1 };

/** MISP attribute type → LEEF predefined key. */
export const LEEF_KEYS: Readonly<Record<string, string>> = {
  "ip-src": "src",
  "ip-dst": "dst",
  "ip-src|port": "src",
  "ip-dst|port": "dst",
  url: "url",
  domain: "domain",
  hostname: "identHostName",
  "email-src": "usrName",
  "mac-address": "srcMAC",
};

const TIME_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSX";

export function leefMessage(origin: RecordOrigin | undefined, product: CefProduct): string {
  const event = origin?.event ?? {};
  const attribute = origin?.attribute;
  const sev = String(LEEF_SEVERITY[threatLevel(event) ?? ""] ?? 1);
  const orgc = isObject(event.Orgc) && typeof event.Orgc.name === "string" ? event.Orgc.name : undefined;
  const pairs: [string, string | undefined][] = [];
  let eventId = "event";
  const time = misptime(attribute ? attribute.timestamp : event.timestamp);
  if (time !== undefined) pairs.push(["devTime", new Date(time).toISOString()], ["devTimeFormat", TIME_FORMAT]);
  pairs.push(["sev", sev]);
  if (attribute) {
    const type = String(attribute.type ?? "");
    const value = String(attribute.value ?? "");
    eventId = type || "attribute";
    pairs.push(["cat", str(attribute.category)]);
    const key = LEEF_KEYS[type];
    if (key) pairs.push([key, type.endsWith("|port") ? value.split("|")[0] : value]);
    pairs.push(
      ["mispAttributeUuid", str(attribute.uuid)],
      ["mispType", type],
      ["mispValue", value],
      ["mispComment", str(attribute.comment)],
      ["mispTags", [...eventTags(event), ...attributeTags(attribute)].join(",")],
    );
  } else {
    pairs.push(["mispTags", eventTags(event).join(",")]);
  }
  pairs.push(["mispEventUuid", str(event.uuid)], ["mispEventInfo", str(event.info)], ["mispOrg", orgc]);
  const header = ["LEEF:2.0", ...[product.vendor, product.product, product.version, eventId].map(leefHeaderEscape), "x09"].join("|");
  const body = pairs
    .filter((p): p is [string, string] => p[1] !== undefined && p[1] !== "")
    .map(([k, v]) => `${k}=${leefValue(v)}`)
    .join(LEEF_DELIMITER);
  return `${header}|${body}`;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}
