// Composing the notification: addresses, subject, text and optional HTML, and the headers
// of docs/modules.md#mail (Message-ID <uuid@from-domain>, X-Mailer, Auto-Submitted). nodemailer
// adds From/To/Cc/Subject/Date/MIME-Version and picks charset and transfer encoding.

import { randomUUID } from "node:crypto";
import { VERSION } from "../../../package-info.js";
import { addressDomain } from "./addresses.js";
import { escapeHtml, htmlToText } from "./html-to-text.js";

export const X_MAILER = `misp-modules-ts/${VERSION}`;

export interface MailContent {
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  /** The body as the user wrote it: text, or HTML when `format` is html. */
  body: string;
  format: "text" | "html";
  /** True when `body` is our plain-text summary (then an HTML part shows it preformatted). */
  bodyIsPlainSummary?: boolean;
}

export interface ComposedMail {
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html?: string;
  messageId: string;
  date: Date;
  xMailer: string;
  headers: Record<string, string>;
}

export function composeMail(c: MailContent, now: Date = new Date()): ComposedMail {
  let text = c.body;
  let html: string | undefined;
  if (c.format === "html") {
    if (c.bodyIsPlainSummary) html = `<pre>${escapeHtml(c.body)}</pre>`;
    else {
      html = c.body;
      text = htmlToText(c.body);
    }
  }
  return {
    from: c.from,
    to: c.to,
    cc: c.cc,
    subject: c.subject,
    text,
    html,
    messageId: `<${randomUUID()}@${addressDomain(c.from)}>`,
    date: now,
    xMailer: X_MAILER,
    // RFC 3834: tells auto-responders (out-of-office, ticket systems) not to answer.
    headers: { "Auto-Submitted": "auto-generated" },
  };
}
