import { BlockList, isIP } from "node:net";

// Address ranges that never belong in an IDS rule shared with others: private, shared
// (CGNAT), loopback, link-local, unspecified and documentation ranges.

const internal = new BlockList();
const V4: Array<[string, number, string]> = [
  ["10.0.0.0", 8, "private"],
  ["172.16.0.0", 12, "private"],
  ["192.168.0.0", 16, "private"],
  ["100.64.0.0", 10, "shared address space"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["0.0.0.0", 8, "unspecified"],
  ["192.0.2.0", 24, "documentation"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
];
const V6: Array<[string, number, string]> = [
  ["fc00::", 7, "private"],
  ["fe80::", 10, "link-local"],
  ["::1", 128, "loopback"],
  ["::", 128, "unspecified"],
  ["2001:db8::", 32, "documentation"],
];
const byKind = new Map<string, BlockList>();
for (const [net, prefix, kind] of [...V4, ...V6]) {
  const type = net.includes(":") ? "ipv6" : "ipv4";
  internal.addSubnet(net, prefix, type);
  if (!byKind.has(kind)) byKind.set(kind, new BlockList());
  byKind.get(kind)!.addSubnet(net, prefix, type);
}

/** The kind of internal range `ip` falls in ("private", "loopback", ...), or undefined. */
export function internalRangeOf(ip: string): string | undefined {
  let addr = ip.trim().replace(/^\[|\]$/g, "");
  const family = isIP(addr);
  if (family === 0) return undefined;
  // IPv4-mapped IPv6 (::ffff:10.0.0.1) is checked as the IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (mapped) addr = mapped[1]!;
  const type = isIP(addr) === 6 ? "ipv6" : "ipv4";
  if (!internal.check(addr, type)) return undefined;
  for (const [kind, list] of byKind) if (list.check(addr, type)) return kind;
  return "internal";
}

/** IP literals carried by an attribute value of the given MISP type (ip-dst|port, domain|ip, ...). */
export function ipsInAttribute(type: string, value: string): string[] {
  const parts = value.split("|");
  switch (type) {
    case "ip-src":
    case "ip-dst":
      return [value.split("/")[0]!];
    case "ip-src|port":
    case "ip-dst|port":
      return [parts[0]!];
    case "domain|ip":
      return parts[1] ? [parts[1]] : [];
    default:
      return [];
  }
}
