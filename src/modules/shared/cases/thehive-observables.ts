import { attributeTagNames, type Json } from "../roaming/event-view.js";

// MISP attribute types → TheHive 5 observable data types (docs/actions-cases.md has the table).
// Composite types ("filename|sha256") give one observable per part; a type TheHive has no
// data type for becomes `other`. Every observable carries the MISP type as a tag.

export const THEHIVE_DATA_TYPE: Readonly<Record<string, string>> = (() => {
  const t: Record<string, string> = {
    "ip-src": "ip",
    "ip-dst": "ip",
    ip: "ip",
    domain: "domain",
    hostname: "fqdn",
    url: "url",
    link: "url",
    uri: "uri_path",
    email: "mail",
    "email-src": "mail",
    "email-dst": "mail",
    "email-reply-to": "mail",
    "target-email": "mail",
    "whois-registrant-email": "mail",
    "email-subject": "mail-subject",
    filename: "filename",
    attachment: "filename",
    regkey: "registry",
    "user-agent": "user-agent",
    AS: "autonomous-system",
  };
  for (const h of [
    "md5",
    "sha1",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "sha512/224",
    "sha512/256",
    "sha3-224",
    "sha3-256",
    "sha3-384",
    "sha3-512",
    "ssdeep",
    "imphash",
    "tlsh",
    "authentihash",
    "pehash",
    "impfuzzy",
    "vhash",
    "telfhash",
    "cdhash",
  ]) {
    t[h] = "hash";
  }
  return t;
})();

/** Composite types: the TheHive type of each part (undefined: the part is dropped). */
export const THEHIVE_COMPOSITE: Readonly<Record<string, ReadonlyArray<string | undefined>>> = {
  "ip-src|port": ["ip", undefined],
  "ip-dst|port": ["ip", undefined],
  "hostname|port": ["fqdn", undefined],
  "domain|ip": ["domain", "ip"],
  "regkey|value": ["registry", undefined],
  "malware-sample": ["filename", "hash"],
  ...Object.fromEntries(
    ["md5", "sha1", "sha224", "sha256", "sha384", "sha512", "ssdeep", "imphash", "tlsh", "authentihash", "pehash", "impfuzzy", "vhash"].map(
      (h) => [`filename|${h}`, ["filename", "hash"]],
    ),
  ),
};

export interface TheHiveObservable {
  dataType: string;
  data: string;
  ioc: boolean;
  tags: string[];
  message?: string;
}

function text(v: unknown): string {
  return typeof v === "string" ? v.trim() : typeof v === "number" ? String(v) : "";
}

/** Observables for the attributes (`idsOnly`: only those flagged to_ids), without duplicates. */
export function theHiveObservables(attributes: readonly Json[], o: { idsOnly: boolean }): TheHiveObservable[] {
  const out: TheHiveObservable[] = [];
  const seen = new Set<string>();
  for (const a of attributes) {
    const type = text(a.type);
    const value = text(a.value);
    if (type === "" || value === "" || a.deleted === true) continue;
    const ioc = a.to_ids === true;
    if (o.idsOnly && !ioc) continue;
    const tags = [`misp:type="${type}"`, ...attributeTagNames(a, false)];
    const comment = text(a.comment);
    const parts: Array<[string, string]> = [];
    const composite = THEHIVE_COMPOSITE[type];
    if (composite) {
      const values = value.split("|");
      composite.forEach((dt, i) => {
        const v = values[i]?.trim();
        if (dt && v) parts.push([dt, v]);
      });
    } else {
      parts.push([THEHIVE_DATA_TYPE[type] ?? "other", value]);
    }
    for (const [dataType, data] of parts) {
      const key = `${dataType}\n${data}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ dataType, data, ioc, tags, ...(comment ? { message: comment } : {}) });
    }
  }
  return out;
}
