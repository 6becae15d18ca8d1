// ArcSight CEF payloads (docs/actions-siem.md#syslog). Header fields escape `\` and `|`;
// extension values escape `\`, `=` and line breaks (as `\n`/`\r`); keys are alphanumeric.

import type { RecordOrigin } from "../../shared/export-records/index.js";
import { attributeTags, eventTags, isObject, misptime, threatLevel } from "./misp-fields.js";

export function cefHeaderEscape(value: string): string {
  return value.replace(/[\r\n]+/g, " ").replace(/[\\|]/g, (c) => `\\${c}`);
}

export function cefExtensionEscape(value: string): string {
  return value
    .replace(/[\\=]/g, (c) => `\\${c}`)
    .replace(/\r\n|\n/g, "\\n")
    .replace(/\r/g, "\\r");
}

/** CEF severity 0–10 from MISP's threat level (1 High … 4 Undefined). */
export const CEF_SEVERITY: Readonly<Record<string, number>> = { "1": 8, "2": 5, "3": 3, "4": 0 };

/** MISP attribute type → the CEF key carrying its value (the value is always in cs3 too). */
export const CEF_KEYS: Readonly<Record<string, string>> = {
  "ip-src": "src",
  "ip-dst": "dst",
  "ip-src|port": "src",
  "ip-dst|port": "dst",
  domain: "dhost",
  hostname: "dhost",
  url: "request",
  uri: "request",
  md5: "fileHash",
  sha1: "fileHash",
  sha256: "fileHash",
  sha512: "fileHash",
  filename: "fname",
  "email-src": "suser",
  "email-dst": "duser",
  "mac-address": "smac",
  "user-agent": "requestClientApplication",
};

export interface CefProduct {
  vendor: string;
  product: string;
  version: string;
}

function extension(pairs: ReadonlyArray<readonly [string, string | undefined]>): string {
  return pairs
    .filter((p): p is [string, string] => p[1] !== undefined && p[1] !== "")
    .map(([k, v]) => `${k}=${cefExtensionEscape(v)}`)
    .join(" ");
}

/** The value as the CEF key expects it: the address part of `ip|port`. */
function keyValue(type: string, value: string): string {
  return type.endsWith("|port") ? value.split("|")[0] : value;
}

/** One CEF line for a record (attribute mode when the origin has an attribute). */
export function cefMessage(origin: RecordOrigin | undefined, product: CefProduct): string {
  const event = origin?.event ?? {};
  const attribute = origin?.attribute;
  const level = threatLevel(event);
  const severity = CEF_SEVERITY[level ?? ""] ?? 0;
  const name = typeof event.info === "string" && event.info !== "" ? event.info : "MISP event";
  const head = ["CEF:0", product.vendor, product.product, product.version].map((v, i) => (i === 0 ? v : cefHeaderEscape(v)));
  const orgc = isObject(event.Orgc) && typeof event.Orgc.name === "string" ? event.Orgc.name : undefined;
  if (attribute) {
    const type = String(attribute.type ?? "");
    const value = String(attribute.value ?? "");
    const key = CEF_KEYS[type];
    const ext = extension([
      ["rt", misptime(attribute.timestamp)?.toString()],
      ["externalId", str(attribute.uuid)],
      ["cat", str(attribute.category)],
      ...(key ? [[key, keyValue(type, value)] as const] : []),
      ["msg", str(attribute.comment)],
      ["cs1Label", "misp_event_uuid"],
      ["cs1", str(event.uuid)],
      ["cs2Label", "misp_tags"],
      ["cs2", [...eventTags(event), ...attributeTags(attribute)].join(",")],
      ["cs3Label", "misp_value"],
      ["cs3", value],
      ["cs4Label", "misp_org"],
      ["cs4", orgc],
    ]);
    return [...head, cefHeaderEscape(type || "attribute"), cefHeaderEscape(name), String(severity), ext].join("|");
  }
  const ext = extension([
    ["rt", misptime(event.timestamp)?.toString()],
    ["externalId", str(event.uuid)],
    ["cnt", Array.isArray(event._AttributeFlattened) ? String(event._AttributeFlattened.length) : str(event.attribute_count)],
    ["msg", str(event.info)],
    ["cs1Label", "misp_event_uuid"],
    ["cs1", str(event.uuid)],
    ["cs2Label", "misp_tags"],
    ["cs2", eventTags(event).join(",")],
    ["cs4Label", "misp_org"],
    ["cs4", orgc],
  ]);
  return [...head, "event", cefHeaderEscape(name), String(severity), ext].join("|");
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}
