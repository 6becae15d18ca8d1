// Address ranges the egress guard knows about, and classification of one address.
//
// "denied" ranges are refused whatever the configuration: nothing legitimate for a
// webhook or an API lives there, and they include cloud metadata endpoints.
// "private" ranges (loopback, RFC 1918, ULA...) are allowed by default because
// self-hosted Mattermost, SMTP relays and SIEMs live there; one setting denies them.
// IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) are
// classified by the embedded address as well, so "::ffff:169.254.169.254" is denied.

import { parseIp, type ParsedIp } from "./ip-address.js";

export type AddressCategory = "denied" | "private" | "public";

export interface Cidr {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

interface Range extends Cidr {
  category: Exclude<AddressCategory, "public">;
  label: string;
}

export interface AddressClass {
  category: AddressCategory;
  /** Why: the matching range's description ("" for public). */
  label: string;
}

/** Parses "10.0.0.0/8", "fd00::/8" or a bare address (a /32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  const ip = parseIp(slash === -1 ? text : text.slice(0, slash));
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > max) return undefined;
  return { family: ip.family, bytes: ip.bytes, prefix };
}

export function cidrContains(cidr: Cidr, ip: ParsedIp): boolean {
  if (cidr.family !== ip.family) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((cidr.bytes[i] & mask) !== (ip.bytes[i] & mask)) return false;
  }
  return true;
}

function range(text: string, category: Range["category"], label: string): Range {
  const cidr = parseCidr(text);
  if (!cidr) throw new Error(`bad range ${text}`);
  return { ...cidr, category, label };
}

const RANGES: readonly Range[] = [
  range("0.0.0.0/8", "denied", "'this network' address (0.0.0.0/8)"),
  range("169.254.0.0/16", "denied", "link-local / cloud metadata address (169.254.0.0/16)"),
  range("100.100.100.200/32", "denied", "cloud metadata address (100.100.100.200)"),
  range("192.0.0.192/32", "denied", "cloud metadata address (192.0.0.192)"),
  range("224.0.0.0/4", "denied", "multicast address (224.0.0.0/4)"),
  range("240.0.0.0/4", "denied", "reserved or broadcast address (240.0.0.0/4)"),
  range("::/128", "denied", "unspecified address (::)"),
  range("fe80::/10", "denied", "link-local address (fe80::/10)"),
  range("fd00:ec2::254/128", "denied", "cloud metadata address (fd00:ec2::254)"),
  range("ff00::/8", "denied", "multicast address (ff00::/8)"),
  range("127.0.0.0/8", "private", "loopback address (127.0.0.0/8)"),
  range("10.0.0.0/8", "private", "private address (10.0.0.0/8)"),
  range("172.16.0.0/12", "private", "private address (172.16.0.0/12)"),
  range("192.168.0.0/16", "private", "private address (192.168.0.0/16)"),
  range("100.64.0.0/10", "private", "shared address space (100.64.0.0/10)"),
  range("192.0.0.0/24", "private", "IETF protocol address (192.0.0.0/24)"),
  range("198.18.0.0/15", "private", "benchmarking address (198.18.0.0/15)"),
  range("::1/128", "private", "loopback address (::1)"),
  range("fc00::/7", "private", "unique local address (fc00::/7)"),
  range("fec0::/10", "private", "site-local address (fec0::/10)"),
  range("64:ff9b:1::/48", "private", "local-use NAT64 address (64:ff9b:1::/48)"),
];

// IPv6 prefixes that carry an IPv4 address, and where it sits (byte offset, XOR mask).
const EMBEDDING: readonly { cidr: Cidr; offset: number; xor: number }[] = [
  { cidr: parseCidr("::ffff:0:0/96") as Cidr, offset: 12, xor: 0 }, // IPv4-mapped
  { cidr: parseCidr("::/96") as Cidr, offset: 12, xor: 0 }, // IPv4-compatible (deprecated)
  { cidr: parseCidr("::ffff:0:0:0/96") as Cidr, offset: 12, xor: 0 }, // IPv4-translated
  { cidr: parseCidr("64:ff9b::/96") as Cidr, offset: 12, xor: 0 }, // NAT64 well-known prefix
  { cidr: parseCidr("2002::/16") as Cidr, offset: 2, xor: 0 }, // 6to4
  { cidr: parseCidr("2001::/32") as Cidr, offset: 12, xor: 0xff }, // Teredo client (obfuscated)
];

/** The IPv4 addresses an IPv6 address embeds (empty for IPv4 or plain IPv6). */
export function embeddedIPv4(ip: ParsedIp): ParsedIp[] {
  if (ip.family !== 6) return [];
  const out: ParsedIp[] = [];
  for (const e of EMBEDDING) {
    if (!cidrContains(e.cidr, ip)) continue;
    const bytes = ip.bytes.slice(e.offset, e.offset + 4).map((b) => b ^ e.xor);
    out.push({ family: 4, bytes, address: Array.from(bytes).join(".") });
  }
  return out;
}

const RANK: Record<AddressCategory, number> = { public: 0, private: 1, denied: 2 };

/** Classifies an address; for IPv6 forms embedding IPv4, the stricter of both wins. */
export function classifyAddress(ip: ParsedIp): AddressClass {
  let best = classifyPlain(ip);
  // "::" and "::1" lie inside ::/96 too; their own class is what counts for them.
  if (ip.family === 6 && !isUnspecifiedOrLoopback6(ip)) {
    for (const v4 of embeddedIPv4(ip)) {
      const inner = classifyPlain(v4);
      if (RANK[inner.category] > RANK[best.category]) {
        best = { category: inner.category, label: `${inner.label} embedded in ${ip.address}` };
      }
    }
  }
  return best;
}

function classifyPlain(ip: ParsedIp): AddressClass {
  for (const r of RANGES) if (cidrContains(r, ip)) return { category: r.category, label: r.label };
  return { category: "public", label: "" };
}

function isUnspecifiedOrLoopback6(ip: ParsedIp): boolean {
  return ip.bytes.slice(0, 15).every((b) => b === 0) && ip.bytes[15] <= 1;
}
