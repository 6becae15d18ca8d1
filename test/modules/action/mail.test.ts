import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AddressObject } from "mailparser";
import { paramId } from "../../../src/engines/cakephp-hash/inflector.js";
import { isValidAddress } from "../../../src/modules/action/_mail/addresses.js";
import { htmlToText } from "../../../src/modules/action/_mail/html-to-text.js";
import { cleanSubject } from "../../../src/modules/action/_mail/subject.js";
import { eventSummary } from "../../../src/modules/shared/messages/summary.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { startSmtpServer, type TestSmtpServer } from "../../helpers/smtp.js";

// mail end to end: POST /query on the real app → nodemailer → a real SMTP server
// (smtp-server) with STARTTLS/implicit TLS on a self-signed certificate and AUTH; the
// received message is parsed with mailparser.

const PARAMS = [
  "recipients",
  "cc",
  "mail_from",
  "mail_template_subject",
  "mail_template_body",
  "body_format",
  "smtp_host",
  "smtp_port",
  "smtp_security",
  "smtp_username",
  "smtp_password",
  "verify_tls",
];
const USER = "misp-relay";
const PASSWORD = "s3cret-Relay-Pass!";
const FROM = "misp@alerts.example.org";
const VERSION = "0.1.0";

type Json = Record<string, any>;

/** The request MISP sends for a mail node (docs/protocol.md#action-request): every param by id, "" when untouched. */
function mailQuery(data: unknown, params: Record<string, string>): Record<string, unknown> {
  const all: Record<string, string> = {};
  for (const name of PARAMS) all[paramId(name)] = params[name] ?? "";
  return { module: "mail", data, params: all };
}

const DOC = readFileSync(new URL("../../../docs/actions-delivery.md", import.meta.url), "utf8");

/** A template block of the user documentation (marked with <!-- template: id -->). */
function docTemplate(id: string): string {
  return new RegExp(`<!-- template: ${id} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``).exec(DOC)![1];
}

/** What MISP does with a jinja_supported parameter: ask our jinja_template_rendering module (docs/protocol.md#jinja-params). */
async function renderLikeMisp(app: TestApp, template: string, data: unknown): Promise<string> {
  const r = await app.query({ module: "jinja_template_rendering", text: JSON.stringify({ template, data }) });
  expect(r.body.error).toBeUndefined();
  return (r.body.results as { values: string[] }[])[0].values[0];
}

const addresses = (a: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => v.address));

describe("mail through a STARTTLS relay configured on the server (credentials not in the workflow)", () => {
  let smtp: TestSmtpServer;
  let app: TestApp;
  beforeAll(async () => {
    smtp = await startSmtpServer({ tls: "starttls", users: { [USER]: PASSWORD }, rejectRecipients: (a) => a.startsWith("nobody") });
    app = await startTestApp({
      modules: {
        mail: {
          smtp_host: "127.0.0.1",
          smtp_port: smtp.port,
          smtp_username: USER,
          smtp_password: PASSWORD,
          mail_from: FROM,
          verify_tls: "false",
        },
        // Rendering the documented templates on a loaded test machine: more room than the 2 s default.
        jinja_template_rendering: { timeout_ms: "8000" },
      },
    });
  });
  afterAll(async () => {
    await app.close();
    await smtp.close();
  });

  it.each(ROAMING_FIXTURES)("%s: default subject and summary body, docs/modules.md#mail headers", async (name) => {
    const data = roaming(name);
    const before = smtp.received.length;
    const r = await app.query(mailQuery(data, { recipients: "soc@example.org; cert@example.net", cc: "lead@example.org" }));
    expect(r.body).toEqual({ data: true });
    expect(smtp.received).toHaveLength(before + 1);
    const m = smtp.received.at(-1)!;
    expect(m.secure).toBe(true);
    expect(m.user).toBe(USER);
    expect(m.from).toBe(FROM);
    expect(m.to).toEqual(["soc@example.org", "cert@example.net", "lead@example.org"]);
    const p = m.parsed;
    expect(addresses(p.from)).toEqual([FROM]);
    expect(addresses(p.to)).toEqual(["soc@example.org", "cert@example.net"]);
    expect(addresses(p.cc)).toEqual(["lead@example.org"]);
    expect(p.subject).toBe(`[MISP] ${(data.Event as Json).info}`);
    expect(p.text?.replace(/\n$/, "")).toBe(eventSummary(data, { maxLength: 20_000 }));
    expect(p.html).toBe(false);
    expect(p.messageId).toMatch(/^<[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}@alerts\.example\.org>$/);
    expect(p.headers.get("x-mailer")).toBe(`misp-modules-ts/${VERSION}`);
    expect(p.headers.get("auto-submitted")).toBe("auto-generated");
    expect(p.headers.get("mime-version")).toBe("1.0");
    expect(p.date).toBeInstanceOf(Date);
    expect(Math.abs(Date.now() - p.date!.getTime())).toBeLessThan(60_000);
    expect((p.headers.get("content-type") as Json).value).toBe("text/plain");
    expect((p.headers.get("content-type") as Json).params.charset).toBe("utf-8");
  });

  it("sends an HTML body as multipart/alternative with a derived text part", async () => {
    const data = roaming("event-publish-mixed-galaxy-objects");
    const html = `<h1>Event ${(data.Event as Json).id}</h1><p>Tom &amp; Jerry &lt;html&gt;</p><ul><li>one</li><li>two</li></ul><p><a href="https://misp.example.org/events/view/1">open</a></p>`;
    const r = await app.query(
      mailQuery(data, {
        recipients: "soc@example.org",
        body_format: "html",
        mail_template_subject: "Alert: ünïcödé",
        mail_template_body: html,
      }),
    );
    expect(r.body).toEqual({ data: true });
    const m = smtp.received.at(-1)!;
    expect(m.raw).toMatch(/Content-Type: multipart\/alternative/i);
    expect(m.parsed.html).toBe(html);
    expect(m.parsed.text?.trim()).toBe(
      `Event ${(data.Event as Json).id}\n\nTom & Jerry <html>\n\n- one\n- two\n\nopen (https://misp.example.org/events/view/1)`,
    );
    expect(m.parsed.subject).toBe("Alert: ünïcödé");
    expect(m.raw).toMatch(/^Subject: =\?UTF-8\?/m);
  });

  it("shows the default summary preformatted in an HTML mail", async () => {
    const data = roaming("event-publish-tlp-red");
    const r = await app.query(mailQuery(data, { recipients: "soc@example.org", body_format: "HTML" }));
    expect(r.body).toEqual({ data: true });
    const m = smtp.received.at(-1)!;
    expect(m.parsed.html).toMatch(/^<pre>\[MISP\] Event /);
    expect(m.parsed.text?.trim()).toBe(eventSummary(data, { maxLength: 20_000 }));
  });

  it("keeps the subject on one line (no header injection) and never renders templates again", async () => {
    const r = await app.query(
      mailQuery(roaming("event-publish-tlp-white"), {
        recipients: "soc@example.org",
        mail_template_subject: "Hello\r\nBcc: attacker@evil.example\r\n  {{ Event.info }}",
        mail_template_body: "Value {{ 7*7 }} stays as sent",
      }),
    );
    expect(r.body).toEqual({ data: true });
    const m = smtp.received.at(-1)!;
    expect(m.parsed.subject).toBe("Hello Bcc: attacker@evil.example {{ Event.info }}");
    expect(m.parsed.bcc).toBeUndefined();
    expect(m.to).toEqual(["soc@example.org"]);
    expect(m.parsed.text?.trim()).toBe("Value {{ 7*7 }} stays as sent");
  });

  it("succeeds when the relay rejects some recipients (logged), delivering to the others", async () => {
    const r = await app.query(
      mailQuery(roaming("event-publish-tlp-red"), { recipients: "nobody@example.org, soc@example.org", cc: "nobody2@example.org" }),
    );
    expect(r.body).toEqual({ data: true });
    expect(smtp.received.at(-1)!.to).toEqual(["soc@example.org"]);
  });

  it("fails when every recipient is rejected, with the SMTP code and text", async () => {
    const before = smtp.received.length;
    const r = await app.query(mailQuery(roaming("event-publish-tlp-red"), { recipients: "nobody@example.org, nobody.else@example.org" }));
    expect(r.body.error).toBe(
      `mail: every recipient was rejected by 127.0.0.1:${smtp.port}: nobody@example.org: 550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown; ` +
        `nobody.else@example.org: 550 5.1.1 <nobody.else@example.org>: Recipient address rejected: User unknown`,
    );
    expect(smtp.received).toHaveLength(before);
  });

  it("fails with the SMTP code for a wrong password, without revealing it", async () => {
    const wrong = "wrong-Password-123";
    const r = await app.query(
      mailQuery(roaming("event-publish-tlp-red"), { recipients: "soc@example.org", smtp_username: USER, smtp_password: wrong }),
    );
    expect(r.body.error).toBe(`mail: authentication failed at 127.0.0.1:${smtp.port}: 535 5.7.8 Authentication credentials invalid`);
    expect(JSON.stringify(r.body)).not.toContain(wrong);
    expect(smtp.authAttempts.at(-1)).toEqual({ method: "PLAIN", user: USER, ok: false });
  });

  it("refuses the relay's self-signed certificate when the node asks for verification", async () => {
    const r = await app.query(mailQuery(roaming("event-publish-tlp-red"), { recipients: "soc@example.org", verify_tls: "true" }));
    expect(r.body.error).toMatch(/^mail: TLS error with 127\.0\.0\.1:\d+: self-signed certificate/);
  });

  it("does not hand the server's credentials to a host chosen in the workflow", async () => {
    const attempts = smtp.authAttempts.length;
    // "localhost" is the same relay, but not the configured name: no server credentials.
    const r = await app.query(
      mailQuery(roaming("event-publish-tlp-red"), { recipients: "soc@example.org", smtp_host: "localhost", smtp_port: String(smtp.port) }),
    );
    expect(r.body.error).toMatch(/^mail: sender refused by localhost:\d+: 530 /);
    expect(smtp.authAttempts).toHaveLength(attempts);
  });

  it.each([
    [{ recipients: "" }, 'mail: parameter "recipients": is required'],
    [{ recipients: " , ; " }, 'mail: parameter "recipients": is required'],
    [{ recipients: "Alice <alice@example.org>" }, 'mail: parameter "recipients": invalid address "Alice <alice@example.org>"'],
    [
      { recipients: "soc@example.org, not-an-address, x@-bad-.example" },
      'mail: parameter "recipients": invalid addresses "not-an-address", "x@-bad-.example"',
    ],
    [{ recipients: "soc@example.org", cc: "a@b@c" }, 'mail: parameter "cc": invalid address "a@b@c"'],
    [
      { recipients: "soc@example.org", mail_from: "MISP <misp@example.org>" },
      'mail: parameter "mail_from": invalid address "MISP <misp@example.org>"',
    ],
    [{ recipients: "soc@example.org", body_format: "markdown" }, 'mail: parameter "body_format": must be one of text, html'],
    [{ recipients: "soc@example.org", smtp_security: "ssl" }, 'mail: parameter "smtp_security": must be one of starttls, tls, none'],
    [{ recipients: "soc@example.org", smtp_port: "99999" }, 'mail: parameter "smtp_port": must be between 1 and 65535'],
    [{ recipients: "soc@example.org", verify_tls: "sometimes" }, 'mail: parameter "verify_tls": must be true or false'],
    [{ recipients: Array.from({ length: 51 }, (_, i) => `user${i}@example.org`).join(",") }, "mail: too many recipients: 51 (at most 50)"],
  ])("rejects %j before connecting", async (params, error) => {
    const before = smtp.received.length;
    const r = await app.query(mailQuery(roaming("event-publish-tlp-red"), params));
    expect(r.body).toEqual({ error });
    expect(smtp.received).toHaveLength(before);
  });

  it.each(ROAMING_FIXTURES)(
    "%s: the HTML example of docs/actions-delivery.md, rendered by jinja_template_rendering as MISP does",
    async (name) => {
      const data = roaming(name);
      const subject = await renderLikeMisp(app, docTemplate("mail-subject"), data);
      const body = await renderLikeMisp(app, docTemplate("mail-body"), data);
      const r = await app.query(
        mailQuery(data, {
          recipients: "soc@example.org, cert@example.org",
          mail_template_subject: subject,
          mail_template_body: body,
          body_format: "html",
        }),
      );
      expect(r.body).toEqual({ data: true });
      const p = smtp.received.at(-1)!.parsed;
      expect(p.subject).toBe(
        `[MISP][${(data.Event as Json).Orgc.name}] ${(data.Event as Json).info} (${(data.Event as Json)._AttributeFlattened.length} attributes)`,
      );
      expect(p.html).toBe(body);
      expect(p.text?.trim()).toBe(htmlToText(body));
      // One text line per attribute row, cells separated by tabs.
      for (const a of (data.Event as Json)._AttributeFlattened)
        expect(p.text).toContain(`${a.category}\t${a.type}\t${a.value}\t${a.to_ids ? "yes" : "no"}\n`);
      if (name === "event-publish-mixed-galaxy-objects") {
        const documented = /the text part reads:\n\n```\n([\s\S]*?)\n```/
          .exec(DOC)![1]
          .split("\n")
          .filter((l) => l !== "…");
        for (const line of documented) expect(p.text).toContain(line);
        expect(p.subject).toBe("[MISP][CIRCL] APT campaign: spear-phishing with weaponised documents (11 attributes)");
      }
    },
  );

  it("publishes the descriptor of docs/modules.md#action-modules", async () => {
    const list = (await (await fetch(`${app.url}/modules`)).json()) as Json[];
    const d = list.find((m) => m.name === "mail")!;
    expect(Object.keys(d.meta.config.params)).toEqual([...PARAMS, "delivery"]);
    const p = d.meta.config.params;
    expect(p.mail_template_subject).toMatchObject({ type: "string", jinja_supported: true });
    expect(p.mail_template_body).toMatchObject({ type: "large_string", jinja_supported: true });
    expect(p.recipients.jinja_supported).toBeFalsy();
    expect([p.body_format.value, p.smtp_security.value, p.verify_tls.value]).toEqual(["text", "starttls", "true"]);
    expect(d.meta.config).toMatchObject({ blocking: false, support_filters: false });
    expect([d.meta.icon, d.meta.icon_class]).toEqual(["envelope", "fas"]);
  });
});

describe("mail: transport security and AUTH variants (settings in the node)", () => {
  let app: TestApp;
  const servers: TestSmtpServer[] = [];
  const start = async (...args: Parameters<typeof startSmtpServer>) => {
    const s = await startSmtpServer(...args);
    servers.push(s);
    return s;
  };
  beforeAll(async () => {
    app = await startTestApp({ modules: { mail: { mail_from: FROM } } });
  });
  afterAll(async () => {
    await app.close();
    await Promise.all(servers.map((s) => s.close()));
  });
  const data = () => roaming("event-publish-onion-pap-red");

  it("implicit TLS (smtps) with AUTH LOGIN", async () => {
    const smtp = await start({ tls: "implicit", users: { [USER]: PASSWORD }, authMethods: ["LOGIN"] });
    const r = await app.query(
      mailQuery(data(), {
        recipients: "soc@example.org",
        smtp_host: "127.0.0.1",
        smtp_port: String(smtp.port),
        smtp_security: "tls",
        smtp_username: USER,
        smtp_password: PASSWORD,
        verify_tls: "false",
      }),
    );
    expect(r.body).toEqual({ data: true });
    expect(smtp.received[0].secure).toBe(true);
    expect(smtp.authAttempts).toEqual([{ method: "LOGIN", user: USER, ok: true }]);
  });

  it("implicit TLS fails on the self-signed certificate when verify_tls is left at its default", async () => {
    const smtp = await start({ tls: "implicit" });
    const r = await app.query(
      mailQuery(data(), { recipients: "soc@example.org", smtp_host: "127.0.0.1", smtp_port: String(smtp.port), smtp_security: "tls" }),
    );
    expect(r.body.error).toMatch(/^mail: TLS error with 127\.0\.0\.1:\d+: self-signed certificate/);
    expect(smtp.received).toHaveLength(0);
  });

  it("STARTTLS verifies the relay's certificate by default (self-signed refused, nothing sent)", async () => {
    const smtp = await start({ tls: "starttls" });
    const r = await app.query(mailQuery(data(), { recipients: "soc@example.org", smtp_host: "127.0.0.1", smtp_port: String(smtp.port) }));
    expect(r.body.error).toMatch(/^mail: TLS error with 127\.0\.0\.1:\d+: self-signed certificate/);
    expect(smtp.received).toHaveLength(0);
  });

  it("starttls is required: a relay that does not offer STARTTLS is refused", async () => {
    const smtp = await start({ tls: "plain" });
    const r = await app.query(mailQuery(data(), { recipients: "soc@example.org", smtp_host: "127.0.0.1", smtp_port: String(smtp.port) }));
    expect(r.body.error).toMatch(/^mail: STARTTLS failed at 127\.0\.0\.1:\d+: 5\d\d /);
    expect(smtp.received).toHaveLength(0);
  });

  it("security none sends in clear text (AUTH PLAIN still checked)", async () => {
    const smtp = await start({ tls: "plain", users: { [USER]: PASSWORD } });
    const r = await app.query(
      mailQuery(data(), {
        recipients: "soc@example.org",
        smtp_host: "127.0.0.1",
        smtp_port: String(smtp.port),
        smtp_security: "none",
        smtp_username: USER,
        smtp_password: PASSWORD,
      }),
    );
    expect(r.body).toEqual({ data: true });
    expect(smtp.received[0]).toMatchObject({ secure: false, user: USER });
  });

  it("a username forces AUTH even when the relay does not offer it", async () => {
    const smtp = await start({ tls: "plain" });
    const r = await app.query(
      mailQuery(data(), {
        recipients: "soc@example.org",
        smtp_host: "127.0.0.1",
        smtp_port: String(smtp.port),
        smtp_security: "none",
        smtp_username: USER,
        smtp_password: PASSWORD,
      }),
    );
    expect(r.body.error).toMatch(/^mail: authentication failed at 127\.0\.0\.1:\d+: 5\d\d /);
    expect(smtp.received).toHaveLength(0);
  });

  it("reports a refused DATA with its code", async () => {
    const smtp = await start({ tls: "plain", rejectData: { code: 554, text: "5.7.1 Message rejected as spam" } });
    const r = await app.query(
      mailQuery(data(), { recipients: "soc@example.org", smtp_host: "127.0.0.1", smtp_port: String(smtp.port), smtp_security: "none" }),
    );
    expect(r.body.error).toBe(`mail: message refused by 127.0.0.1:${smtp.port}: 554 5.7.1 Message rejected as spam`);
  });

  it("connection refused", async () => {
    const smtp = await startSmtpServer({ tls: "plain" });
    const port = smtp.port;
    await smtp.close();
    const r = await app.query(
      mailQuery(data(), { recipients: "soc@example.org", smtp_host: "127.0.0.1", smtp_port: String(port), smtp_security: "none" }),
    );
    expect(r.body.error).toBe(`mail: connection refused by 127.0.0.1:${port}`);
  });

  it("data without an Event: generic subject and JSON summary", async () => {
    const smtp = await start({ tls: "plain" });
    const logData = { Log: { id: "7", action: "login", email: "admin@example.org" } };
    const r = await app.query(
      mailQuery(logData, { recipients: "soc@example.org", smtp_host: "127.0.0.1", smtp_port: String(smtp.port), smtp_security: "none" }),
    );
    expect(r.body).toEqual({ data: true });
    expect(smtp.received[0].parsed.subject).toBe("MISP workflow notification");
    expect(smtp.received[0].parsed.text?.trim()).toBe(`[MISP] workflow notification\n${JSON.stringify(logData)}`);
  });

  it("never connects to always-denied ranges (cloud metadata), whatever the policy", async () => {
    const r = await app.query(
      mailQuery(data(), { recipients: "soc@example.org", smtp_host: "169.254.169.254", smtp_port: "25", smtp_security: "none" }),
    );
    expect(r.body.error).toMatch(/^mail: egress denied .*169\.254\.169\.254/);
  });

  it("no relay configured anywhere", async () => {
    const r = await app.query(mailQuery(data(), { recipients: "soc@example.org" }));
    expect(r.body.error).toBe(
      "mail: no SMTP relay: set smtp_host in the node or the server setting modules.mail.smtp_host (MISP_MODULES_MAIL_SMTP_HOST)",
    );
  });
});

describe("mail: deadline, egress policy, missing sender (one app: 1.5 s deadline, private ranges denied except 127.0.0.1)", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ deadlineMs: 1500, http: { denyPrivate: true, allow: ["127.0.0.1/32"] } });
  });
  afterAll(() => app.close());
  const data = () => roaming("event-publish-tlp-red");

  it("gives up on a relay that never greets within the request deadline", async () => {
    const smtp = await startSmtpServer({ tls: "plain", hangAfterGreeting: true });
    try {
      const started = Date.now();
      const r = await app.query(
        mailQuery(data(), {
          recipients: "soc@example.org",
          mail_from: FROM,
          smtp_host: "127.0.0.1",
          smtp_port: String(smtp.port),
          smtp_security: "none",
        }),
      );
      expect(r.body.error).toMatch(/^mail: (Timeout\.|timeout talking to 127\.0\.0\.1)/);
      expect(Date.now() - started).toBeLessThan(4000);
      expect(smtp.received).toHaveLength(0);
    } finally {
      await smtp.close();
    }
  });

  it("the SMTP connection goes through the egress guard (a private relay outside the allow-list)", async () => {
    const r = await app.query(
      mailQuery(data(), { recipients: "soc@example.org", mail_from: FROM, smtp_host: "10.0.0.25", smtp_port: "25", smtp_security: "none" }),
    );
    expect(r.body.error).toMatch(/^mail: egress denied .*10\.0\.0\.25.*private addresses are not allowed/);
  });

  it("without a sender anywhere", async () => {
    const r = await app.query(mailQuery(data(), { recipients: "soc@example.org", smtp_host: "127.0.0.1" }));
    expect(r.body.error).toBe(
      "mail: no sender: set mail_from in the node or the server setting modules.mail.mail_from (MISP_MODULES_MAIL_MAIL_FROM)",
    );
  });
});

describe("mail helpers", () => {
  it.each([
    ["soc@example.org", true],
    ["first.last+tag@sub.example.co.uk", true],
    ["root@localhost", true],
    ["user@bücher.example", true],
    ["Alice <alice@example.org>", false],
    ["alice@example.org.", false],
    [".alice@example.org", false],
    ["al..ice@example.org", false],
    ["alice@exa_mple.org", false],
    ["alice@", false],
    ["@example.org", false],
    ["alice@example.org\r\nBcc: x@y.z", false],
    [`${"a".repeat(65)}@example.org`, false],
  ])("isValidAddress(%j) = %s", (address, ok) => {
    expect(isValidAddress(address)).toBe(ok);
  });

  it("cleanSubject flattens and bounds the subject", () => {
    expect(cleanSubject("  a\r\n\tb  c ")).toBe("a b c");
    expect(Buffer.byteLength(cleanSubject("x".repeat(5000)))).toBeLessThanOrEqual(980);
    expect(Buffer.byteLength(cleanSubject("é".repeat(5000)))).toBeLessThanOrEqual(600);
  });

  it("htmlToText drops scripts and styles, keeps pre-formatted text and decodes entities", () => {
    expect(
      htmlToText(
        "<style>p{}</style><script>alert(1)</script><p>A&nbsp;&#x26;&#38;B</p><pre>  x\n  y</pre><table><tr><td>k</td><td>v</td></tr></table>",
      ),
    ).toBe("A &&B\n\n  x\n  y\n\nk\tv");
  });
});
