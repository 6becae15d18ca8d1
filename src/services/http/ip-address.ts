// Parsing of IP address literals into bytes, so that range checks work on the value a
// socket would really connect to, whatever spelling the host had.
//
// IPv4 literals follow the WHATWG URL host parser (the same rules as inet_aton):
// 1 to 4 dot-separated parts, each decimal, octal (leading 0) or hex (0x); the last part
// fills the remaining bytes, so "2130706433", "0177.0.0.1", "0x7f.1" and "127.1" all
// mean 127.0.0.1. `new URL()` already normalises http(s) hosts this way; hosts that do
// not come from a URL (SMTP relays) go through the same parser here.

import { isIPv6 } from "node:net";

export interface ParsedIp {
  family: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6. */
  bytes: Uint8Array;
  /** Canonical text form (dotted quad, or Node's compressed IPv6). */
  address: string;
}

/** Parses an IPv4 literal the WHATWG/inet_aton way; undefined when it is not one. */
export function parseIPv4(host: string): ParsedIp | undefined {
  let parts = host.split(".");
  // One trailing dot is allowed ("127.0.0.1.").
  if (parts.length > 1 && parts[parts.length - 1] === "") parts = parts.slice(0, -1);
  if (parts.length === 0 || parts.length > 4) return undefined;
  const numbers: number[] = [];
  for (const part of parts) {
    const n = parseIPv4Number(part);
    if (n === undefined) return undefined;
    numbers.push(n);
  }
  const last = numbers.pop() as number;
  if (numbers.some((n) => n > 255)) return undefined;
  if (last >= 256 ** (4 - numbers.length)) return undefined;
  let value = last;
  numbers.forEach((n, i) => {
    value += n * 256 ** (3 - i);
  });
  const bytes = new Uint8Array([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]);
  return { family: 4, bytes, address: bytes.join(".") };
}

function parseIPv4Number(part: string): number | undefined {
  if (part === "") return undefined;
  let digits = part;
  let radix = 10;
  if (/^0x/i.test(digits)) {
    digits = digits.slice(2);
    radix = 16;
  } else if (digits.length > 1 && digits.startsWith("0")) {
    digits = digits.slice(1);
    radix = 8;
  }
  if (digits === "") return 0; // "0x" alone is 0 in the WHATWG parser
  const valid = radix === 16 ? /^[0-9a-f]+$/i : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!valid.test(digits)) return undefined;
  const n = parseInt(digits, radix);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * True when the WHATWG host parser would treat the host as an IPv4 address (its last
 * label is numeric). Such a host must parse as IPv4 or be rejected, never be looked up
 * as a name (the resolver would apply inet_aton to it anyway).
 */
export function endsInNumber(host: string): boolean {
  const parts = host.split(".");
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  const last = parts[parts.length - 1] ?? "";
  return /^[0-9]+$/.test(last) || /^0x[0-9a-f]*$/i.test(last);
}

/** Parses an IPv6 literal (brackets and zone id allowed); undefined when it is not one. */
export function parseIPv6(host: string): ParsedIp | undefined {
  let text = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  const zone = text.indexOf("%");
  if (zone !== -1) text = text.slice(0, zone);
  if (!isIPv6(text)) return undefined;
  const bytes = new Uint8Array(16);
  let head = text;
  let tailGroups: number[] = [];
  // A trailing dotted quad ("::ffff:127.0.0.1") supplies the last 32 bits.
  const lastColon = head.lastIndexOf(":");
  const tail = head.slice(lastColon + 1);
  let embedded: Uint8Array | undefined;
  if (tail.includes(".")) {
    const v4 = parseIPv4(tail);
    if (!v4) return undefined;
    embedded = v4.bytes;
    head = head.slice(0, lastColon + 1);
    if (head.endsWith(":") && !head.endsWith("::")) head = head.slice(0, -1);
  }
  const groupCount = embedded ? 6 : 8;
  const [left, right] = head.includes("::") ? head.split("::") : [head, undefined];
  const leftGroups = splitGroups(left ?? "");
  tailGroups = right === undefined ? [] : splitGroups(right);
  const zeros = groupCount - leftGroups.length - tailGroups.length;
  if (zeros < 0 || (right === undefined && zeros !== 0)) return undefined;
  const groups = [...leftGroups, ...new Array<number>(zeros).fill(0), ...tailGroups];
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 255;
  });
  if (embedded) bytes.set(embedded, 12);
  return { family: 6, bytes, address: formatIPv6(bytes) };
}

function splitGroups(text: string): number[] {
  if (text === "") return [];
  return text.split(":").map((g) => parseInt(g, 16));
}

/** Compressed lower-case IPv6 text (RFC 5952: longest run of zero groups becomes "::"). */
export function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(":");
  const left = hex.slice(0, bestStart).join(":");
  const right = hex.slice(bestStart + bestLen).join(":");
  return `${left}::${right}`;
}

/** Parses any IP literal (IPv4 in any WHATWG spelling, IPv6 with or without brackets). */
export function parseIp(host: string): ParsedIp | undefined {
  if (host.includes(":")) return parseIPv6(host);
  return parseIPv4(host);
}
