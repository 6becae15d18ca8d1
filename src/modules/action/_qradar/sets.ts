// Which MISP values go to which QRadar reference set (docs/actions-siem.md#qradar), and the
// set's element type. The mapping is text, one set per line: `types = Set name`.

import { exportedAttributes, looksLikeAttribute } from "../../shared/export-records/index.js";

export type ElementType = "ALN" | "ALNIC" | "NUM" | "IP" | "PORT" | "DATE";

export const DEFAULT_SET_MAPPING = [
  "ip-src, ip-dst, ip-src|port, ip-dst|port, domain|ip = MISP IP",
  "domain, hostname = MISP Domains",
  "url = MISP URLs",
  "md5, sha1, sha256, sha512, filename|md5, filename|sha1, filename|sha256 = MISP Hashes",
  "email, email-src, email-dst = MISP Emails",
].join("\n");

/** Types whose (extracted) value is an IP address. */
const IP_TYPES = new Set(["ip-src", "ip-dst", "ip-src|port", "ip-dst|port", "domain|ip"]);
/** Types compared without case in QRadar (ALNIC): names and hashes. */
const CASELESS_TYPES = new Set([
  "domain",
  "hostname",
  "md5",
  "sha1",
  "sha256",
  "sha512",
  "filename|md5",
  "filename|sha1",
  "filename|sha256",
  "email",
  "email-src",
  "email-dst",
]);

export interface SetSpec {
  name: string;
  types: string[];
  elementType: ElementType;
}

export class MappingError extends Error {}

/** Parses the mapping; a type may appear in one set only. */
export function parseSetMapping(text: string): SetSpec[] {
  const sets: SetSpec[] = [];
  const seen = new Map<string, string>();
  for (const [n, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq < 0) throw new MappingError(`line ${n + 1}: expected "types = Set name"`);
    const types = line
      .slice(0, eq)
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean);
    const name = line.slice(eq + 1).trim();
    if (types.length === 0 || name === "") throw new MappingError(`line ${n + 1}: expected "types = Set name"`);
    if (name.length > 255) throw new MappingError(`line ${n + 1}: set name longer than 255 characters`);
    for (const t of types) {
      const other = seen.get(t);
      if (other !== undefined) throw new MappingError(`line ${n + 1}: type ${t} is already mapped to "${other}"`);
      seen.set(t, name);
    }
    const existing = sets.find((s) => s.name === name);
    if (existing) existing.types.push(...types);
    else sets.push({ name, types, elementType: "ALN" });
  }
  if (sets.length === 0) throw new MappingError("maps no type");
  for (const s of sets) s.elementType = elementTypeFor(s.types);
  return sets;
}

/** IP when every type yields an address, ALNIC when every type is case-insensitive, else ALN. */
export function elementTypeFor(types: readonly string[]): ElementType {
  if (types.every((t) => IP_TYPES.has(t))) return "IP";
  if (types.every((t) => CASELESS_TYPES.has(t))) return "ALNIC";
  return "ALN";
}

/** The part of a composite value the set holds: the address of ip|port and domain|ip, the hash of filename|hash. */
export function setValue(type: string, value: string): string {
  if (!type.includes("|")) return value;
  const [left, right] = value.split("|", 2);
  if (type.endsWith("|port")) return left;
  return right ?? left;
}

export interface SetValues {
  set: SetSpec;
  values: string[];
}

/** Values per set, in attribute order without duplicates (attributes: exportedAttributes). Unmapped types are counted, not sent. */
export function valuesBySet(
  data: unknown,
  filteredItems: readonly unknown[] | undefined,
  sets: readonly SetSpec[],
  idsOnly: boolean,
): { bySet: SetValues[]; skipped: number; unmapped: Map<string, number> } {
  const attributes = exportedAttributes(data, filteredItems);
  const setOf = new Map<string, SetSpec>();
  for (const s of sets) for (const t of s.types) setOf.set(t, s);
  const collected = new Map<string, Set<string>>();
  const unmapped = new Map<string, number>();
  let skipped = 0;
  for (const a of attributes) {
    if (!looksLikeAttribute(a)) continue;
    if (a.deleted === true || (idsOnly && a.to_ids !== true && a.to_ids !== "1")) {
      skipped++;
      continue;
    }
    const type = String(a.type);
    const set = setOf.get(type);
    if (!set) {
      unmapped.set(type, (unmapped.get(type) ?? 0) + 1);
      continue;
    }
    const value = setValue(type, String(a.value)).trim();
    if (value === "") continue;
    const bucket = collected.get(set.name) ?? new Set<string>();
    bucket.add(value);
    collected.set(set.name, bucket);
  }
  const bySet = sets.filter((s) => collected.has(s.name)).map((s) => ({ set: s, values: [...collected.get(s.name)!] }));
  return { bySet, skipped, unmapped };
}
