// nodemailer failures as one line naming the stage that failed and the relay's own reply
// (code and text), with credentials scrubbed.

import { scrubSecrets } from "../../../services/secrets/scrub.js";

interface NodemailerError {
  name?: string;
  message?: string;
  code?: string;
  command?: string;
  response?: string;
  responseCode?: number;
  rejectedErrors?: { recipient?: string; response?: string }[];
}

const MAX_REPLY = 300;

function reply(text: string | undefined): string {
  const flat = (text ?? "").replace(/\s+/g, " ").trim();
  return flat.length > MAX_REPLY ? `${flat.slice(0, MAX_REPLY)}…` : flat;
}

/** Base64 forms a password travels in during AUTH (LOGIN: alone; PLAIN: inside "\0user\0pass"). */
function authSecrets(secrets: readonly string[]): string[] {
  return secrets.filter(Boolean).flatMap((s) => [s, Buffer.from(s).toString("base64")]);
}

function tlsReason(message: string): string | undefined {
  if (/self[- ]signed/i.test(message)) return "self-signed certificate (set verify_tls to false or use a trusted certificate)";
  if (/unable to (verify|get).*(issuer|leaf)|UNABLE_TO/i.test(message)) return "certificate issuer is not trusted";
  if (/certificate has expired|CERT_HAS_EXPIRED/i.test(message)) return "certificate has expired";
  if (/altnames|does not match|Hostname\/IP/i.test(message)) return "certificate does not match the host name";
  return undefined;
}

export function describeSmtpError(err: unknown, where: string, secrets: readonly string[]): string {
  const e = (typeof err === "object" && err !== null ? err : { message: String(err) }) as NodemailerError;
  const message = e.message ?? "unknown error";
  const serverReply = reply(e.response);
  let text: string;
  const tls = tlsReason(message);
  if (tls) text = `TLS error with ${where}: ${tls}`;
  else if (e.code === "EAUTH") text = `authentication failed at ${where}: ${serverReply || message}`;
  else if (e.code === "ETLS") text = `STARTTLS failed at ${where}: ${serverReply || message}`;
  else if (e.code === "EENVELOPE" && e.command === "RCPT TO") {
    const each = (e.rejectedErrors ?? []).map((r) => `${r.recipient ?? "?"}: ${reply(r.response)}`);
    text = `every recipient was rejected by ${where}: ${each.length > 0 ? each.join("; ") : serverReply}`;
  } else if (e.code === "EENVELOPE" && e.command === "MAIL FROM") text = `sender refused by ${where}: ${serverReply || message}`;
  else if (e.code === "EENVELOPE" && e.command === "DATA") text = `DATA refused by ${where}: ${serverReply || message}`;
  else if (e.code === "EMESSAGE") text = `message refused by ${where}: ${serverReply || message}`;
  else if (e.code === "ETIMEDOUT") text = `timeout talking to ${where}: ${message}`;
  else if (e.code === "ECONNREFUSED") text = `connection refused by ${where}`;
  else if (e.code === "ECONNRESET") text = `connection reset by ${where}`;
  else if (e.code === "EDNS" || e.code === "ENOTFOUND") text = `cannot resolve ${where}`;
  // The egress guard's refusals already say what happened.
  else if (e.name === "HttpError") text = message;
  else text = `SMTP error with ${where}: ${serverReply || message}`;
  return scrubSecrets(text, authSecrets(secrets));
}
