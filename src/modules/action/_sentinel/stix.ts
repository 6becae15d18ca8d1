// MISP attributes → STIX 2.1 indicators for Microsoft Sentinel (docs/actions-siem.md#sentinel).
// The pattern table below is the documented one; other types are skipped and counted.

import net from "node:net";

type Json = Record<string, unknown>;

/** A STIX pattern string literal: `\` and `'` escaped. */
export function stixString(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

function ipPattern(ip: string): string | undefined {
  const kind = net.isIP(ip);
  if (kind === 0) return undefined;
  return `[${kind === 4 ? "ipv4-addr" : "ipv6-addr"}:value = ${stixString(ip)}]`;
}

const HASH_NAMES: Readonly<Record<string, string>> = { md5: "MD5", sha1: "'SHA-1'", sha256: "'SHA-256'", sha512: "'SHA-512'" };

/** MISP type → pattern builder (undefined: the value does not fit the type). */
export const STIX_PATTERNS: Readonly<Record<string, (value: string) => string | undefined>> = {
  "ip-src": ipPattern,
  "ip-dst": ipPattern,
  "ip-src|port": (v) => ipPattern(v.split("|")[0]),
  "ip-dst|port": (v) => ipPattern(v.split("|")[0]),
  domain: (v) => `[domain-name:value = ${stixString(v)}]`,
  hostname: (v) => `[domain-name:value = ${stixString(v)}]`,
  "domain|ip": (v) => {
    const [domain, ip] = v.split("|");
    if (!ip || net.isIP(ip) === 0) return undefined;
    return `[domain-name:value = ${stixString(domain)} AND domain-name:resolves_to_refs[*].value = ${stixString(ip)}]`;
  },
  url: (v) => `[url:value = ${stixString(v)}]`,
  md5: (v) => `[file:hashes.MD5 = ${stixString(v)}]`,
  sha1: (v) => `[file:hashes.'SHA-1' = ${stixString(v)}]`,
  sha256: (v) => `[file:hashes.'SHA-256' = ${stixString(v)}]`,
  sha512: (v) => `[file:hashes.'SHA-512' = ${stixString(v)}]`,
  "filename|md5": (v) => fileWithHash(v, "md5"),
  "filename|sha1": (v) => fileWithHash(v, "sha1"),
  "filename|sha256": (v) => fileWithHash(v, "sha256"),
  filename: (v) => `[file:name = ${stixString(v)}]`,
  email: (v) => `[email-addr:value = ${stixString(v)}]`,
  "email-src": (v) => `[email-message:from_ref.value = ${stixString(v)}]`,
  "email-dst": (v) => `[email-message:to_refs[*].value = ${stixString(v)}]`,
  "email-subject": (v) => `[email-message:subject = ${stixString(v)}]`,
  "mac-address": (v) => `[mac-addr:value = ${stixString(v.toLowerCase())}]`,
};

function fileWithHash(v: string, hash: string): string | undefined {
  const bar = v.lastIndexOf("|");
  if (bar < 0) return undefined;
  return `[file:name = ${stixString(v.slice(0, bar))} AND file:hashes.${HASH_NAMES[hash]} = ${stixString(v.slice(bar + 1))}]`;
}

/** TLP marking definitions of STIX 2.1 (§7.2.1.4); TLP 2.0 names map to their 1.0 equivalent. */
export const TLP_MARKINGS: Readonly<Record<string, string>> = {
  "tlp:white": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
  "tlp:clear": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
  "tlp:green": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
  "tlp:amber": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
  "tlp:amber+strict": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
  "tlp:red": "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
};

export interface IndicatorOptions {
  /** 0–100, or undefined to leave it out. */
  confidence?: number;
  /** Days from valid_from to valid_until; 0: no valid_until. */
  validDays: number;
}

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function tagNames(v: unknown): string[] {
  return Array.isArray(v)
    ? v
        .filter(isObject)
        .map((t) => t.name)
        .filter((n): n is string => typeof n === "string")
    : [];
}

function isoFromSeconds(v: unknown): string | undefined {
  const n = typeof v === "string" && /^\d{1,12}$/.test(v) ? Number(v) : typeof v === "number" ? v : Number.NaN;
  return Number.isFinite(n) && n > 0 ? new Date(n * 1000).toISOString() : undefined;
}

function isoFromDate(v: unknown): string | undefined {
  if (typeof v !== "string" || v === "") return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** The indicator for an attribute, or undefined when its type has no pattern (or the value does not fit). */
export function attributeIndicator(attribute: Json, event: Json, o: IndicatorOptions, now: number): Json | undefined {
  const type = String(attribute.type ?? "");
  const value = String(attribute.value ?? "");
  const build = Object.hasOwn(STIX_PATTERNS, type) ? STIX_PATTERNS[type] : undefined;
  const pattern = build && value !== "" ? build(value) : undefined;
  if (!pattern || typeof attribute.uuid !== "string" || !UUID.test(attribute.uuid)) return undefined;
  const created = isoFromSeconds(attribute.timestamp) ?? new Date(now).toISOString();
  const validFrom = isoFromDate(attribute.first_seen) ?? created;
  const tags = [...tagNames(attribute.Tag), ...tagNames(event.Tag)];
  const tlp = tags.map((t) => t.toLowerCase()).find((t) => t in TLP_MARKINGS);
  const labels = [...new Set(tags.filter((t) => !t.toLowerCase().startsWith("tlp:")))];
  const indicator: Json = {
    type: "indicator",
    spec_version: "2.1",
    id: `indicator--${attribute.uuid.toLowerCase()}`,
    created,
    modified: created,
    name: `${type}: ${value}`.slice(0, 256),
    description:
      typeof attribute.comment === "string" && attribute.comment !== ""
        ? attribute.comment
        : typeof event.info === "string"
          ? event.info
          : undefined,
    indicator_types: ["malicious-activity"],
    pattern,
    pattern_type: "stix",
    valid_from: validFrom,
  };
  if (o.validDays > 0) indicator.valid_until = new Date(Date.parse(validFrom) + o.validDays * 86_400_000).toISOString();
  if (labels.length > 0) indicator.labels = labels;
  if (o.confidence !== undefined) indicator.confidence = o.confidence;
  if (tlp) indicator.object_marking_refs = [TLP_MARKINGS[tlp]];
  if (typeof event.uuid === "string")
    indicator.external_references = [{ source_name: "MISP", external_id: event.uuid, description: "MISP event UUID" }];
  return indicator;
}
