import { BlockList, isIP, type Server, type Socket } from "node:net";

// `--allow-from`: clients outside the listed networks are cut at the socket, on 'connection',
// before a byte of theirs is read (docs/operations.md, "Allow-from").

/** Parses "10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::1"; throws naming the bad entry. */
export function parseAllowFrom(entries: string[]): BlockList {
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    const [addr = "", bits, extra] = entry.split("/");
    const type = isIP(addr);
    if (type === 0 || extra !== undefined) throw new Error(`allowFrom: "${entry}" is not an IP address or CIDR range`);
    const family = type === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) {
      list.addAddress(addr, family);
      continue;
    }
    const prefix = Number(bits);
    if (!/^\d+$/.test(bits) || prefix > (type === 4 ? 32 : 128)) throw new Error(`allowFrom: "${entry}" has a bad prefix length`);
    list.addSubnet(addr, prefix, family);
  }
  return list;
}

/** True when the address is in the list; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) also matches as IPv4. */
export function isAllowed(list: BlockList, address: string | undefined): boolean {
  if (!address) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return list.check(mapped[1]!, "ipv4") || list.check(address, "ipv6");
  return list.check(address, isIP(address) === 4 ? "ipv4" : "ipv6");
}

interface Log {
  warn(obj: object, msg: string): void;
}

/** At most one log line per refused address per this period (a scanner must not flood the log). */
export const REFUSAL_LOG_EVERY_MS = 60_000;
/** Addresses remembered for rate limiting; beyond, the memory is reset. */
const MAX_TRACKED = 10_000;

export interface AllowFromGuard {
  /** Connections refused so far. */
  readonly refused: number;
}

/** A function to call per refused connection: logs the first per address, then at most once per period with a count. */
export function refusalLogger(log: Log, logEveryMs = REFUSAL_LOG_EVERY_MS, listener = "main"): (address: string | undefined) => void {
  const seen = new Map<string, { lastLogged: number; since: number }>();
  return (address) => {
    const key = address ?? "unknown";
    const now = Date.now();
    const entry = seen.get(key);
    if (entry && now - entry.lastLogged < logEveryMs) {
      entry.since++;
      return;
    }
    if (seen.size >= MAX_TRACKED) seen.clear();
    seen.set(key, { lastLogged: now, since: 0 });
    log.warn({ address: key, listener, refusedSinceLastLine: entry?.since ?? 0 }, "connection refused: address not in allowFrom");
  };
}

/** Installs the guard on a listening server (HTTP, HTTPS or plain TCP); no-op for an empty list. */
export function guardAllowFrom(server: Server, entries: string[], log: Log, logEveryMs = REFUSAL_LOG_EVERY_MS): AllowFromGuard {
  const state = { refused: 0 };
  if (entries.length === 0) return state;
  const list = parseAllowFrom(entries);
  const logRefusal = refusalLogger(log, logEveryMs);
  // First in line, so that no other listener (connection cap, TLS, HTTP parser) spends work on it.
  server.prependListener("connection", (socket: Socket) => {
    if (isAllowed(list, socket.remoteAddress)) return;
    state.refused++;
    socket.destroy();
    logRefusal(socket.remoteAddress);
  });
  return state;
}
