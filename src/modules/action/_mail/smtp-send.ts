// One SMTP delivery with nodemailer over a socket we open ourselves: the relay's address
// comes from the server's egress guard (checked address, no second DNS lookup) and the
// socket is destroyed when the request's deadline fires. STARTTLS is required (not
// opportunistic) in starttls mode, and AUTH is forced whenever a user name is set so a
// relay that does not offer AUTH cannot silently turn it off.

import net from "node:net";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import type { ComposedMail } from "./message.js";
import type { SmtpSettings } from "./settings.js";
import { describeSmtpError } from "./smtp-errors.js";

export type ResolveAllowed = (host: string, port: number) => Promise<{ address: string; family: 4 | 6 }>;

export interface SendOptions {
  resolve: ResolveAllowed;
  signal: AbortSignal;
  /** TCP connect, greeting and inactivity timeout (ms). */
  timeoutMs: number;
}

export interface RejectedRecipient {
  address: string;
  response: string;
}

export interface SendOutcome {
  accepted: string[];
  rejected: RejectedRecipient[];
  /** The relay's final reply, e.g. "250 2.0.0 Ok: queued as 1A2B3C". */
  response: string;
  messageId: string;
}

/** A delivery that failed; the message is fit for the MISP user (no secrets). */
export class SmtpFailure extends Error {
  /** A temporary failure (SMTP 4xx, no connection): the outbox may try again (docs/delivery.md). */
  constructor(
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}

const TRANSIENT_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ESOCKET", "ECONNECTION", "EDNS"]);

/** SMTP's own split: 4xx replies are temporary, 5xx permanent; lost connections are temporary. */
function isTransientSmtp(err: unknown): boolean {
  const e = (err ?? {}) as { responseCode?: number; code?: string };
  if (typeof e.responseCode === "number") return e.responseCode >= 400 && e.responseCode < 500;
  return typeof e.code === "string" && TRANSIENT_CODES.has(e.code);
}

function openSocket(settings: SmtpSettings, o: SendOptions): Promise<net.Socket> {
  const where = `${settings.host}:${settings.port}`;
  return o.resolve(settings.host, settings.port).then(
    (target) =>
      new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect({ host: target.address, port: settings.port, family: target.family });
        const fail = (err: Error) => {
          clearTimeout(timer);
          o.signal.removeEventListener("abort", onAbort);
          socket.destroy();
          reject(err);
        };
        const onAbort = () => fail(new SmtpFailure(`connection to ${where} aborted (deadline reached)`));
        const timer = setTimeout(() => fail(new SmtpFailure(`could not connect to ${where} within ${o.timeoutMs} ms`, true)), o.timeoutMs);
        o.signal.addEventListener("abort", onAbort, { once: true });
        socket.once("error", fail);
        socket.once("connect", () => {
          clearTimeout(timer);
          o.signal.removeEventListener("abort", onAbort);
          socket.removeListener("error", fail);
          resolve(socket);
        });
      }),
  );
}

function addressOf(a: string | { address: string }): string {
  return typeof a === "string" ? a : a.address;
}

export async function sendViaSmtp(settings: SmtpSettings, mail: ComposedMail, o: SendOptions): Promise<SendOutcome> {
  if (o.signal.aborted) throw new SmtpFailure("aborted (deadline reached)");
  const sockets = new Set<net.Socket>();
  const options: SMTPTransport.Options & { forceAuth?: boolean } = {
    host: settings.host,
    port: settings.port,
    secure: settings.security === "tls",
    requireTLS: settings.security === "starttls",
    ignoreTLS: settings.security === "none",
    auth: settings.username !== undefined ? { user: settings.username, pass: settings.password ?? "" } : undefined,
    forceAuth: settings.username !== undefined,
    tls: { rejectUnauthorized: settings.verifyTls, ...(net.isIP(settings.host) ? {} : { servername: settings.host }) },
    connectionTimeout: o.timeoutMs,
    greetingTimeout: o.timeoutMs,
    socketTimeout: o.timeoutMs,
    logger: false,
    debug: false,
    getSocket: (_opts, callback) => {
      openSocket(settings, o).then(
        (socket) => {
          sockets.add(socket);
          callback(null, { connection: socket });
        },
        (err: Error) => callback(err, undefined),
      );
    },
  };
  // Loaded on first use: a server that never sends mail does not pay for nodemailer at start-up.
  const { default: nodemailer } = await import("nodemailer");
  const transport = nodemailer.createTransport(options);
  const onAbort = () => {
    for (const s of sockets) s.destroy(new Error("aborted (deadline reached)"));
  };
  o.signal.addEventListener("abort", onAbort, { once: true });
  const secrets = [settings.password ?? ""];
  try {
    const info = await transport.sendMail({
      from: mail.from,
      to: mail.to,
      cc: mail.cc.length > 0 ? mail.cc : undefined,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
      date: mail.date,
      xMailer: mail.xMailer,
      headers: mail.headers,
    });
    const rejectedErrors = (info as { rejectedErrors?: { recipient?: string; response?: string }[] }).rejectedErrors ?? [];
    return {
      accepted: info.accepted.map(addressOf),
      rejected: info.rejected.map(addressOf).map((address) => ({
        address,
        response: rejectedErrors.find((e) => e.recipient === address)?.response ?? "rejected",
      })),
      response: info.response,
      messageId: info.messageId,
    };
  } catch (err) {
    if (err instanceof SmtpFailure) throw err;
    throw new SmtpFailure(describeSmtpError(err, `${settings.host}:${settings.port}`, secrets), isTransientSmtp(err));
  } finally {
    o.signal.removeEventListener("abort", onAbort);
    for (const s of sockets) s.destroy();
    transport.close();
  }
}
