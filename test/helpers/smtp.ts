// Test fixtures for delivery modules: a self-signed certificate made with the openssl CLI,
// and a real SMTP server (smtp-server) on 127.0.0.1 that records and parses what it receives.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";

export interface SelfSignedCertificate {
  key: string;
  cert: string;
}

let cached: SelfSignedCertificate | undefined;

/** A self-signed certificate for localhost and 127.0.0.1 (made once per test process). */
export function selfSignedCertificate(): SelfSignedCertificate {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), "delivery-test-cert-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "key.pem",
        "-out",
        "cert.pem",
        "-days",
        "2",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
      ],
      { cwd: dir, stdio: "pipe" },
    );
    cached = { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ReceivedMail {
  /** SMTP envelope: MAIL FROM and accepted RCPT TO addresses. */
  from: string;
  to: string[];
  /** Whether the session was encrypted (implicit TLS or after STARTTLS). */
  secure: boolean;
  /** The authenticated user, if any. */
  user?: string;
  raw: string;
  parsed: ParsedMail;
}

export interface SmtpServerOptions {
  /** implicit: TLS from the first byte (smtps); starttls: STARTTLS offered; plain: no TLS at all. */
  tls: "implicit" | "starttls" | "plain";
  /** Users accepted by AUTH (PLAIN and LOGIN). Without it AUTH is not offered. */
  users?: Record<string, string>;
  /** Require AUTH before MAIL FROM (when users are given). Default true. */
  authRequired?: boolean;
  /** RCPT TO answered with 550 for these addresses. */
  rejectRecipients?: (address: string) => boolean;
  /** Reply to DATA end with this error (e.g. 554 spam). */
  rejectData?: { code: number; text: string };
  /** Accept the TCP connection but never send the greeting. */
  hangAfterGreeting?: boolean;
  /** AUTH methods offered (default PLAIN and LOGIN). */
  authMethods?: string[];
}

export interface TestSmtpServer {
  port: number;
  received: ReceivedMail[];
  /** AUTH attempts seen: method and user (never the password). */
  authAttempts: { method: string; user: string; ok: boolean }[];
  close(): Promise<void>;
}

type SmtpError = Error & { responseCode?: number };
const smtpError = (code: number, text: string): SmtpError => Object.assign(new Error(text), { responseCode: code });

/** A real SMTP server (smtp-server) on 127.0.0.1 with a self-signed certificate. */
export async function startSmtpServer(o: SmtpServerOptions): Promise<TestSmtpServer> {
  const { key, cert } = selfSignedCertificate();
  const received: ReceivedMail[] = [];
  const authAttempts: TestSmtpServer["authAttempts"] = [];
  const disabled: string[] = [];
  if (o.tls !== "starttls") disabled.push("STARTTLS");
  if (!o.users) disabled.push("AUTH");
  const options: SMTPServerOptions = {
    secure: o.tls === "implicit",
    key,
    cert,
    logger: false,
    disabledCommands: disabled,
    authMethods: o.authMethods ?? ["PLAIN", "LOGIN"],
    closeTimeout: 200,
    authOptional: !o.users || o.authRequired === false,
    // AUTH on a plain connection only in the all-plain setup.
    allowInsecureAuth: o.tls === "plain",
    size: 10 * 1024 * 1024,
    onConnect(_session, callback) {
      if (o.hangAfterGreeting) return; // the greeting is sent only after this callback: stay silent
      callback();
    },
    onAuth(auth, _session, callback) {
      const ok = !!o.users && o.users[auth.username ?? ""] === auth.password;
      authAttempts.push({ method: auth.method, user: auth.username ?? "", ok });
      if (!ok) return callback(smtpError(535, "5.7.8 Authentication credentials invalid"));
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      if (o.rejectRecipients?.(address.address))
        return callback(smtpError(550, `5.1.1 <${address.address}>: Recipient address rejected: User unknown`));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        if (o.rejectData) return callback(smtpError(o.rejectData.code, o.rejectData.text));
        simpleParser(raw).then(
          (parsed) => {
            received.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
              to: session.envelope.rcptTo.map((r) => r.address),
              secure: session.secure,
              user: session.user as string | undefined,
              raw,
              parsed,
            });
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  };
  const server = new SMTPServer(options);
  server.on("error", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    authAttempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
