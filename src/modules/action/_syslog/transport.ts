// Delivering syslog messages over UDP (one per datagram, RFC 5426), TCP (RFC 6587) or TLS
// (RFC 5425). The address comes from the egress guard; TLS checks the certificate against
// the configured host name. Success means every byte was handed to the network (syslog has
// no acknowledgement); any socket error is a failure naming how many messages went out.

import dgram from "node:dgram";
import net from "node:net";
import tls from "node:tls";
import { rootCertificates } from "node:tls";
import { toHttpError } from "../../../services/http/errors.js";
import type { ResolvedAddress } from "../../../services/http/types.js";
import { frame, type Framing } from "./framing.js";

export type SyslogTransport = "udp" | "tcp" | "tls";

export interface SendOptions {
  transport: SyslogTransport;
  host: string;
  port: number;
  framing: Framing;
  verifyTls: boolean;
  /** Extra PEM CA bundle. */
  ca?: string;
  /** The egress guard: resolves and checks `host`. */
  resolve: (host: string, port: number) => Promise<ResolvedAddress>;
  signal: AbortSignal;
  /** Connect (and TLS handshake) timeout. */
  connectTimeoutMs: number;
}

export class SyslogSendError extends Error {
  constructor(
    message: string,
    readonly sent: number,
    /** A later attempt may succeed: refused, reset, unreachable, timed out (not TLS, not size). */
    readonly retryable = true,
  ) {
    super(message);
    this.name = "SyslogSendError";
  }
}

/** The largest UDP payload over IPv4. */
export const MAX_UDP_PAYLOAD = 65_507;

export async function sendSyslog(messages: readonly Buffer[], o: SendOptions): Promise<void> {
  const where = `${o.host}:${o.port}`;
  const target = await o.resolve(o.host, o.port);
  if (o.transport === "udp") return sendUdp(messages, target, o.port, where, o.signal);
  return sendStream(messages, target, where, o);
}

async function sendUdp(
  messages: readonly Buffer[],
  target: ResolvedAddress,
  port: number,
  where: string,
  signal: AbortSignal,
): Promise<void> {
  const socket = dgram.createSocket(target.family === 6 ? "udp6" : "udp4");
  let sent = 0;
  // An ICMP "port unreachable" may surface as an 'error' event at any time: never unhandled.
  let failure: unknown;
  socket.on("error", (e) => {
    failure ??= e;
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.connect(port, target.address, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    for (const m of messages) {
      if (failure) throw failure;
      if (signal.aborted) throw new SyslogSendError(`deadline reached after ${sent} of ${messages.length} messages to ${where}`, sent);
      await new Promise<void>((resolve, reject) => socket.send(m, (err) => (err ? reject(err) : resolve())));
      sent++;
    }
  } catch (e) {
    if (e instanceof SyslogSendError) throw e;
    throw new SyslogSendError(`${socketReason(e, where)} after ${sent} of ${messages.length} messages`, sent, isTemporary(e, where));
  } finally {
    socket.close();
  }
}

/** Connection-level failures (no peer, reset, timeout, DNS) pass; TLS and size problems stay. */
function isTemporary(e: unknown, where: string): boolean {
  if ((e as { code?: string })?.code === "EMSGSIZE") return false;
  const kind = toHttpError(e, where).kind;
  return kind === "network" || kind === "timeout";
}

function socketReason(e: unknown, where: string): string {
  const code = (e as { code?: string })?.code;
  if (code === "EMSGSIZE") return `a datagram is too large for ${where} (EMSGSIZE; lower max_message_bytes)`;
  return toHttpError(e, where).message;
}

async function sendStream(messages: readonly Buffer[], target: ResolvedAddress, where: string, o: SendOptions): Promise<void> {
  const socket = await connect(target, where, o);
  let sent = 0;
  let failure: unknown;
  socket.on("error", (e) => {
    failure ??= e;
  });
  const onAbort = () => socket.destroy(new Error("deadline reached"));
  o.signal.addEventListener("abort", onAbort, { once: true });
  try {
    for (const m of messages) {
      if (failure) break;
      const flushed = socket.write(frame(m, o.framing));
      sent++;
      if (!flushed) await drained(socket);
    }
    await new Promise<void>((resolve, reject) => {
      if (failure) return reject(failure);
      socket.once("error", reject);
      socket.end(() => resolve());
    });
    if (failure) throw failure;
  } catch (e) {
    const reason = o.signal.aborted ? "deadline reached" : socketReason(e, where);
    throw new SyslogSendError(`${reason} after ${sent} of ${messages.length} messages`, sent, o.signal.aborted || isTemporary(e, where));
  } finally {
    o.signal.removeEventListener("abort", onAbort);
    // The kernel still delivers what was written; the receiver may keep its side open.
    setTimeout(() => socket.destroy(), 1000).unref();
  }
}

function drained(socket: net.Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      socket.off("error", fail);
      socket.off("close", closed);
      resolve();
    };
    const fail = (e: Error) => {
      socket.off("drain", done);
      reject(e);
    };
    const closed = () => fail(Object.assign(new Error("connection closed"), { code: "EPIPE" }));
    socket.once("drain", done);
    socket.once("error", fail);
    socket.once("close", closed);
  });
}

function connect(target: ResolvedAddress, where: string, o: SendOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    const ready = o.transport === "tls" ? "secureConnect" : "connect";
    if (o.transport === "tls") {
      socket = tls.connect({
        host: target.address,
        port: o.port,
        servername: net.isIP(o.host) ? undefined : o.host,
        rejectUnauthorized: o.verifyTls,
        ca: o.ca ? [...rootCertificates, o.ca] : undefined,
        // The certificate is checked against the configured name, not the resolved address.
        checkServerIdentity: (_host, cert) => tls.checkServerIdentity(o.host, cert),
      });
    } else {
      socket = net.connect({ host: target.address, port: o.port });
    }
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SyslogSendError(`could not connect to ${where} within ${o.connectTimeoutMs} ms`, 0));
    }, o.connectTimeoutMs);
    socket.once(ready, () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (e) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new SyslogSendError(socketReason(e, where), 0, isTemporary(e, where)));
    });
  });
}
