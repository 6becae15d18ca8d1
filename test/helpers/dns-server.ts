// A tiny authoritative DNS responder speaking the wire format (RFC 1035) over UDP on
// 127.0.0.1, for tests of the dns module. It answers A/AAAA from a zone map, NXDOMAIN for
// unknown names, NOERROR without answers (NODATA) for known names lacking the type, and can
// answer with another rcode, late, or never.
import { createSocket, type Socket } from "node:dgram";
import { isIPv4, isIPv6 } from "node:net";

export interface ZoneEntry {
  A?: string[];
  AAAA?: string[];
  ttl?: number;
  /** Reply with this rcode and no answers (2 = SERVFAIL, 5 = REFUSED). */
  rcode?: number;
  /** Never reply (to exercise timeouts). */
  drop?: boolean;
  /** Reply after this many ms. */
  delayMs?: number;
}

export interface DnsQueryLog {
  name: string;
  type: "A" | "AAAA" | string;
}

export interface TestDnsServer {
  /** "127.0.0.1:<port>", the form the dns module's nameserver setting accepts. */
  address: string;
  port: number;
  queries: DnsQueryLog[];
  zone: Record<string, ZoneEntry>;
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;
const TYPE_NAMES: Record<number, string> = { [TYPE_A]: "A", [TYPE_AAAA]: "AAAA" };

function ipv4Bytes(ip: string): Buffer {
  if (!isIPv4(ip)) throw new Error(`not IPv4: ${ip}`);
  return Buffer.from(ip.split(".").map(Number));
}

function ipv6Bytes(ip: string): Buffer {
  if (!isIPv6(ip)) throw new Error(`not IPv6: ${ip}`);
  const [head, tail] = ip.includes("::") ? ip.split("::") : [ip, undefined];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array(missing).fill("0"), ...tailGroups];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || "0", 16), i * 2));
  return out;
}

/** Reads the question of a query: name (lower-case, no trailing dot), type, and where the question ends. */
function readQuestion(msg: Buffer): { name: string; type: number; end: number } {
  let offset = 12;
  const labels: string[] = [];
  while (msg[offset] !== 0) {
    const len = msg[offset]!;
    labels.push(msg.subarray(offset + 1, offset + 1 + len).toString("ascii"));
    offset += 1 + len;
  }
  offset += 1;
  const type = msg.readUInt16BE(offset);
  return { name: labels.join(".").toLowerCase(), type, end: offset + 4 };
}

function buildReply(query: Buffer, questionEnd: number, rcode: number, rdatas: Buffer[], type: number, ttl: number): Buffer {
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  const rd = query.readUInt16BE(2) & 0x0100;
  header.writeUInt16BE(0x8000 | 0x0400 | rd | 0x0080 | (rcode & 0xf), 2); // QR, AA, RD copied, RA, rcode
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rdatas.length, 6);
  const answers = rdatas.map((rdata) => {
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(type, 2);
    rr.writeUInt16BE(1, 4); // class IN
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header, query.subarray(12, questionEnd), ...answers]);
}

export async function startDnsServer(zone: Record<string, ZoneEntry>): Promise<TestDnsServer> {
  const socket: Socket = createSocket("udp4");
  const queries: DnsQueryLog[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: TestDnsServer = { address: "", port: 0, queries, zone, close: async () => undefined };

  socket.on("message", (msg, remote) => {
    if (msg.length < 17) return;
    const q = readQuestion(msg);
    queries.push({ name: q.name, type: TYPE_NAMES[q.type] ?? String(q.type) });
    const entry = server.zone[q.name];
    if (entry?.drop) return;
    let reply: Buffer;
    if (!entry) reply = buildReply(msg, q.end, 3, [], q.type, 0);
    else if (entry.rcode) reply = buildReply(msg, q.end, entry.rcode, [], q.type, 0);
    else {
      const rdatas = q.type === TYPE_A ? (entry.A ?? []).map(ipv4Bytes) : q.type === TYPE_AAAA ? (entry.AAAA ?? []).map(ipv6Bytes) : [];
      reply = buildReply(msg, q.end, 0, rdatas, q.type, entry.ttl ?? 300);
    }
    const send = () => socket.send(reply, remote.port, remote.address);
    if (entry?.delayMs) {
      const t = setTimeout(() => {
        timers.delete(t);
        send();
      }, entry.delayMs);
      timers.add(t);
    } else send();
  });

  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => resolve());
  });
  server.port = socket.address().port;
  server.address = `127.0.0.1:${server.port}`;
  server.close = () =>
    new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      socket.close(() => resolve());
    });
  return server;
}
