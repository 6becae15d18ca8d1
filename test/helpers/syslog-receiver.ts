// A syslog receiver on a free loopback port (UDP, TCP or TLS with a self-signed
// certificate) that checks what it gets: the framing (octet counting or LF), the RFC 5424
// grammar (header fields, structured data with its escaping, optional BOM + UTF-8 MSG).
// Anything off is recorded in `errors`, which the tests expect to stay empty.

import dgram from "node:dgram";
import net from "node:net";
import tls from "node:tls";
import type { AddressInfo } from "node:net";
import { selfSignedCertificate } from "./stand-in.js";

export interface SdElementParsed {
  id: string;
  params: [string, string][];
}

export interface Syslog5424 {
  pri: number;
  facility: number;
  severity: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  sd: SdElementParsed[];
  bom: boolean;
  msg: string;
  /** Size of the whole message in bytes (framing excluded). */
  bytes: number;
}

const PRINT = "[\\x21-\\x7e]";
const HEADER = new RegExp(
  `^<(\\d{1,3})>1 (-|\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,6})?(?:Z|[+-]\\d{2}:\\d{2})) (${PRINT}{1,255}) (${PRINT}{1,48}) (${PRINT}{1,128}) (${PRINT}{1,32}) `,
);
const SD_NAME = /^[^= \]"\x00-\x20\x7f-\uffff]{1,32}/;

/** Parses one RFC 5424 message; throws with the reason when it does not follow the grammar. */
export function parse5424(buf: Buffer): Syslog5424 {
  const text = buf.toString("latin1"); // byte positions; MSG decoded as UTF-8 below
  const m = HEADER.exec(text);
  if (!m) throw new Error(`bad header: ${JSON.stringify(text.slice(0, 80))}`);
  const pri = Number(m[1]);
  if (pri > 191 || (m[1].length > 1 && m[1].startsWith("0"))) throw new Error(`bad PRI ${m[1]}`);
  let i = m[0].length;
  const sd: SdElementParsed[] = [];
  if (text[i] === "-") i++;
  else {
    if (text[i] !== "[") throw new Error(`structured data must start with [ or be -, got ${JSON.stringify(text[i])}`);
    while (text[i] === "[") {
      i++;
      const id = SD_NAME.exec(text.slice(i))?.[0];
      if (!id) throw new Error(`bad SD-ID at ${i}`);
      i += id.length;
      const params: [string, string][] = [];
      while (text[i] === " ") {
        i++;
        const name = SD_NAME.exec(text.slice(i))?.[0];
        if (!name) throw new Error(`bad PARAM-NAME at ${i}`);
        i += name.length;
        if (text.slice(i, i + 2) !== '="') throw new Error(`expected =" after ${name}`);
        i += 2;
        const bytes: number[] = [];
        for (;;) {
          if (i >= text.length) throw new Error(`unterminated value of ${name}`);
          const c = text[i];
          if (c === "\\" && (text[i + 1] === '"' || text[i + 1] === "\\" || text[i + 1] === "]")) {
            bytes.push(text.charCodeAt(i + 1));
            i += 2;
            continue;
          }
          if (c === "]") throw new Error(`unescaped ] in the value of ${name}`);
          if (c === '"') break;
          bytes.push(text.charCodeAt(i));
          i++;
        }
        i++;
        params.push([name, Buffer.from(bytes).toString("utf8")]);
      }
      if (text[i] !== "]") throw new Error(`expected ] at ${i}, got ${JSON.stringify(text[i])}`);
      i++;
      sd.push({ id, params });
    }
  }
  let bom = false;
  let msg = "";
  if (i < text.length) {
    if (text[i] !== " ") throw new Error(`expected SP before MSG at ${i}`);
    let rest = buf.subarray(i + 1);
    if (rest[0] === 0xef && rest[1] === 0xbb && rest[2] === 0xbf) {
      bom = true;
      rest = rest.subarray(3);
    }
    msg = new TextDecoder("utf-8", { fatal: true }).decode(rest);
  }
  return {
    pri,
    facility: pri >> 3,
    severity: pri & 7,
    timestamp: m[2],
    hostname: m[3],
    appName: m[4],
    procId: m[5],
    msgId: m[6],
    sd,
    bom,
    msg,
    bytes: buf.length,
  };
}

/** `params` of the first element with this SD-ID, as a multimap. */
export function sdParams(message: Syslog5424, id: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of message.sd.find((e) => e.id === id)?.params ?? []) out.set(k, [...(out.get(k) ?? []), v]);
  return out;
}

export type ReceiverTransport = "udp" | "tcp" | "tls";

export interface SyslogReceiver {
  port: number;
  transport: ReceiverTransport;
  messages: Syslog5424[];
  errors: string[];
  connections: number;
  /** Resolves when `n` messages have arrived (or rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

/** framing "octet-counting" or "lf": the receiver insists on it (strict, like rsyslog's imtcp per listener). */
export async function startSyslogReceiver(
  transport: ReceiverTransport,
  framing: "octet-counting" | "lf" = "octet-counting",
): Promise<SyslogReceiver> {
  const messages: Syslog5424[] = [];
  const errors: string[] = [];
  const waiters: Array<() => void> = [];
  const accept = (buf: Buffer) => {
    try {
      messages.push(parse5424(buf));
    } catch (e) {
      errors.push((e as Error).message);
    }
    for (const w of waiters.splice(0)) w();
  };
  const r: SyslogReceiver = {
    port: 0,
    transport,
    messages,
    errors,
    connections: 0,
    waitFor(n, ms = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${messages.length} of ${n} messages arrived (errors: ${errors.join("; ")})`)),
          ms,
        );
        const check = () => {
          if (messages.length + errors.length >= n) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    },
    reset() {
      messages.length = 0;
      errors.length = 0;
      r.connections = 0;
    },
    close: async () => undefined,
  };

  if (transport === "udp") {
    const socket = dgram.createSocket("udp4");
    socket.on("message", (buf) => accept(buf));
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    r.port = socket.address().port;
    r.close = () => new Promise((resolve) => socket.close(() => resolve()));
    return r;
  }

  const onSocket = (socket: net.Socket) => {
    r.connections++;
    let pending = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (framing === "lf") {
          const nl = pending.indexOf(0x0a);
          if (nl < 0) return;
          accept(pending.subarray(0, nl));
          pending = pending.subarray(nl + 1);
          continue;
        }
        const sp = pending.indexOf(0x20);
        if (sp < 0) return;
        const len = pending.subarray(0, sp).toString("latin1");
        if (!/^[1-9]\d*$/.test(len)) {
          errors.push(`bad octet count ${JSON.stringify(len.slice(0, 20))}`);
          socket.destroy();
          return;
        }
        if (pending.length < sp + 1 + Number(len)) return;
        accept(pending.subarray(sp + 1, sp + 1 + Number(len)));
        pending = pending.subarray(sp + 1 + Number(len));
      }
    });
    socket.on("end", () => {
      if (pending.length > 0) errors.push(`connection closed with ${pending.length} bytes of an incomplete frame`);
      socket.end();
    });
    socket.on("error", () => undefined);
  };
  const sockets = new Set<net.Socket>();
  const server =
    transport === "tls" ? tls.createServer({ ...selfSignedCertificate() }, (s) => onSocket(s)) : net.createServer((s) => onSocket(s));
  server.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  r.port = (server.address() as AddressInfo).port;
  r.close = () => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return r;
}

export interface CefParsed {
  version: string;
  vendor: string;
  product: string;
  deviceVersion: string;
  classId: string;
  name: string;
  severity: string;
  ext: Map<string, string>;
}

/**
 * Parses a CEF line strictly: seven header fields separated by unescaped pipes (only \\ and \|
 * escapes), then extension pairs; a value runs to the next " key=", so an unescaped = in a
 * value is an error (it would start a bogus key). Values are unescaped (\\ \= \n \r).
 */
export function parseCef(line: string): CefParsed {
  if (!line.startsWith("CEF:")) throw new Error("not a CEF line");
  const fields: string[] = [];
  let cur = "";
  let i = 4;
  while (fields.length < 7) {
    if (i >= line.length) throw new Error(`CEF header has ${fields.length} fields`);
    const c = line[i];
    if (c === "\\") {
      const n = line[i + 1];
      if (n !== "\\" && n !== "|") throw new Error(`bad header escape \\${n}`);
      cur += n;
      i += 2;
      continue;
    }
    if (c === "\r" || c === "\n") throw new Error("line break in the CEF header");
    if (c === "|") {
      fields.push(cur);
      cur = "";
      i++;
      continue;
    }
    cur += c;
    i++;
  }
  const ext = new Map<string, string>();
  const rest = line.slice(i);
  // Tokens: key=value where value has no unescaped "=".
  const re = /([A-Za-z0-9_]+)=((?:[^\\=]|\\[\\=nr])*?)(?= [A-Za-z0-9_]+=|$)/gy;
  let pos = 0;
  while (pos < rest.length) {
    re.lastIndex = pos;
    const m = re.exec(rest);
    if (!m) throw new Error(`CEF extension unreadable at ${JSON.stringify(rest.slice(pos, pos + 40))}`);
    if (/(^|[^\\])(\\\\)*\\$/.test(m[2]) && m[2].endsWith("\\") && !m[2].endsWith("\\\\")) throw new Error("dangling backslash");
    ext.set(
      m[1],
      m[2].replace(/\\([\\=nr])/g, (_, c: string) => (c === "n" ? "\n" : c === "r" ? "\r" : c)),
    );
    pos = re.lastIndex;
    if (rest[pos] === " ") pos++;
  }
  const [version, vendor, product, deviceVersion, classId, name, severity] = fields;
  return { version, vendor, product, deviceVersion, classId, name, severity, ext };
}
