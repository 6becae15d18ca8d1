import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { startStandIn, type RecordedRequest, type Reply, type StandIn } from "../helpers/stand-in.js";

// Issue 19, finding 6: credential-bearing URL parts (the path of an incoming-webhook URL,
// userinfo, token query values) must not come back in a reply or a log line when the remote
// side echoes the request, in any form it may echo it in.

/** How the stand-in echoes what it received, one form per run. */
const FORMS: Record<string, (req: RecordedRequest, origin: string) => Reply> = {
  "as sent": (req) => ({
    status: 400,
    body: `bad request: ${req.method} ${req.url} authorization=${String(req.headers.authorization ?? "")}`,
  }),
  "full URL": (req, origin) => ({ status: 404, body: `no such hook: ${origin}${req.url}` }),
  "URL-encoded": (req) => ({ status: 400, body: `rejected ${encodeURIComponent(req.url)}` }),
  "URL-encoded, lower-case hex": (req) => ({
    status: 400,
    body: `rejected ${encodeURIComponent(req.url).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`,
  }),
  "form-encoded, doubly": (req) => ({ status: 400, body: `next=${encodeURIComponent(encodeURIComponent(req.url))}` }),
  "JSON-escaped": (req) => ({
    status: 400,
    headers: { "content-type": "application/json" },
    // PHP's json_encode escapes "/" as "\/"; "message" is what Mattermost's error reader takes.
    body: JSON.stringify({
      message: `invalid webhook ${req.url} (${String(req.headers.authorization ?? "")})`,
      error: { message: `hook ${req.url}` },
    }).replace(/\//g, "\\/"),
  }),
  "upper-cased": (req) => ({
    status: 400,
    body: `BAD REQUEST ${req.url.toUpperCase()} ${String(req.headers.authorization ?? "").toUpperCase()}`,
  }),
  "lower-cased": (req) => ({
    status: 400,
    body: `bad request ${req.url.toLowerCase()} ${String(req.headers.authorization ?? "").toLowerCase()}`,
  }),
  "HTML page": (req) => ({
    status: 403,
    headers: { "content-type": "text/html" },
    body: `<html><body><p>Forbidden: <code>${req.url.replace(/&/g, "&amp;")}</code></p></body></html>`,
  }),
  "path segment alone": (req) => ({
    status: 404,
    body: `unknown id ${req.path.split("/").filter(Boolean).at(-1)} and ${req.query.get("token") ?? "-"}`,
  }),
};

let standIn: StandIn;
let app: TestApp;
let form = "as sent";
const logLines: string[] = [];

beforeAll(async () => {
  standIn = await startStandIn({ handler: (req) => FORMS[form]!(req, standIn.url) });
  const logs = new PassThrough();
  logs.on("data", (c: Buffer) => logLines.push(...c.toString("utf8").split("\n").filter(Boolean)));
  app = await startTestApp({ debug: true, http: { timeoutMs: 2000 } }, { logDestination: logs });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await standIn?.close();
});

interface Case {
  module: string;
  /** Path and query (after the stand-in's origin) or a function of the origin for userinfo. */
  url: (origin: string) => string;
  params: (url: string) => Record<string, string>;
  /** Credential parts that must never be shown. */
  secrets: string[];
}

const CASES: Case[] = [
  {
    module: "slack",
    url: (o) => `${o}/services/T0SLACK42/B0SLACK77/xoxSlackSecretPart9`,
    params: (url) => ({ webhook_url: url, message_template: "hello" }),
    secrets: ["T0SLACK42", "B0SLACK77", "xoxSlackSecretPart9"],
  },
  {
    module: "mattermost",
    url: (o) => `${o}/hooks/mmhook7k3j9s8d7f6g5h4j3k2l1z`,
    params: (url) => ({ webhook_url: url, message_template: "hello" }),
    secrets: ["mmhook7k3j9s8d7f6g5h4j3k2l1z"],
  },
  {
    module: "ms_teams",
    url: (o) =>
      `${o}/webhookb2/4f1c2a7e-0000-4bbb-9ccc-teamsguid0001@7d3e5f10-1111-4aaa-8bbb-tenantguid02/IncomingWebhook/a1b2c3d4e5f6teamsHex/0e9d8c7b-2222-4ccc-9ddd-ownerguid003?api-version=2016-06-01&sig=TeamsSig%2Bwith%2Fslash%3D`,
    params: (url) => ({ webhook_url: url, title: "t", message_template: "hello" }),
    secrets: [
      "teamsguid0001",
      "tenantguid02",
      "a1b2c3d4e5f6teamsHex",
      "ownerguid003",
      "TeamsSig+with/slash=",
      "TeamsSig%2Bwith%2Fslash%3D",
    ],
  },
  {
    module: "http_webhook",
    url: (o) => o.replace("http://", "http://hookUser:h0okPa55w%40rd@") + "/receive?token=T0kenValueXyz123&format=json&sig=shortS1g",
    params: (url) => ({ url, request_method: "post", content_type: "json", expected_status: "2xx" }),
    secrets: ["h0okPa55w@rd", "h0okPa55w%40rd", "T0kenValueXyz123", "shortS1g", Buffer.from("hookUser:h0okPa55w@rd").toString("base64")],
  },
];

/** Every spelling in which a secret would show up in our output. */
function spellings(secret: string): string[] {
  const enc = encodeURIComponent(secret);
  return [
    secret,
    enc,
    encodeURIComponent(enc),
    JSON.stringify(secret).slice(1, -1),
    JSON.stringify(secret).slice(1, -1).replace(/\//g, "\\/"),
    secret.replace(/&/g, "&amp;"),
  ].map((s) => s.toLowerCase());
}

function expectClean(text: string, secrets: string[], where: string): void {
  const lower = text.toLowerCase();
  for (const s of secrets) for (const sp of spellings(s)) expect(lower, `${where} shows ${sp}`).not.toContain(sp);
}

describe.each(CASES)("$module with an echoing remote side", (c) => {
  it.each(Object.keys(FORMS))("echo %s: the reply and the logs show none of the URL's credentials", async (name) => {
    form = name;
    const url = c.url(standIn.url);
    const before = standIn.requests.length;
    const logsBefore = logLines.length;
    const r = await app.query({ module: c.module, data: { Event: { id: "1", info: "x" } }, params: c.params(url) });
    expect(r.status).toBe(200);
    // The request did go out, with the secret, and the remote answer was reported.
    expect(standIn.requests.length).toBe(before + 1);
    const sent = standIn.last();
    expect(`${sent.url} ${String(sent.headers.authorization ?? "")}`).toMatch(
      c.module === "http_webhook" ? /T0kenValueXyz123.*Basic / : new RegExp(c.secrets[0]!),
    );
    const error = String(r.body.error);
    expect(error).toMatch(/HTTP 40[034]/);
    expect(error).toContain("***");
    expectClean(error, c.secrets, "reply");
    await new Promise((res) => setTimeout(res, 30));
    const logs = logLines.slice(logsBefore).join("\n");
    expect(logs).toMatch(/"msg":"query"/);
    expectClean(logs, c.secrets, "log");
  });
});

describe("debug logs", () => {
  it("show the http_webhook URL's host and path but not its userinfo or query values", async () => {
    form = "as sent";
    const logsBefore = logLines.length;
    const url = CASES[3]!.url(standIn.url);
    await app.query({ module: "http_webhook", data: {}, params: CASES[3]!.params(url) });
    await new Promise((res) => setTimeout(res, 30));
    const received = logLines
      .slice(logsBefore)
      .map((l) => JSON.parse(l) as { msg: string; params?: Record<string, string> })
      .find((l) => l.msg === "query received");
    expect(received?.params?.url).toBe(`http://***:***@127.0.0.1:${standIn.port}/receive?token=***&format=***&sig=***`);
    expectClean(logLines.slice(logsBefore).join("\n"), CASES[3]!.secrets, "debug log");
  });

  it("a secret webhook URL is not logged at all", async () => {
    const logsBefore = logLines.length;
    await app.query({ module: "slack", data: {}, params: CASES[0]!.params(CASES[0]!.url(standIn.url)) });
    await new Promise((res) => setTimeout(res, 30));
    const text = logLines.slice(logsBefore).join("\n");
    expect(text).toContain('"webhook_url":"[redacted]"');
    expectClean(text, CASES[0]!.secrets, "debug log");
  });
});

describe("scrubbing forms (unit)", () => {
  it("removes every echoed form of a secret URL's parts and of userinfo", async () => {
    const { scrubSecrets, redactUrl } = await import("../../src/services/secrets/scrub.js");
    const hook = "https://hooks.example.org/services/T0AAAA11/B0BBBB22/s3cr3tT0kenPart?sig=Sig%2Fvalue%3D";
    const texts = [
      "POST /services/T0AAAA11/B0BBBB22/s3cr3tT0kenPart HTTP/1.1",
      encodeURIComponent("/services/T0AAAA11/B0BBBB22/s3cr3tT0kenPart"),
      encodeURIComponent("/services/T0AAAA11/B0BBBB22/s3cr3tT0kenPart").toLowerCase(),
      JSON.stringify({ u: "/services/T0AAAA11/B0BBBB22/s3cr3tT0kenPart" }).replace(/\//g, "\\/"),
      "ID S3CR3TT0KENPART NOT FOUND",
      "sig was Sig/value= or Sig%2Fvalue%3D or sig%2fvalue%3d",
    ];
    for (const t of texts) {
      const out = scrubSecrets(t, [hook]).toLowerCase();
      for (const part of ["t0aaaa11", "b0bbbb22", "s3cr3tt0kenpart", "sig/value", "sig%2fvalue"]) expect(out, t).not.toContain(part);
    }
    const basic = Buffer.from("alice:pa55word!").toString("base64");
    expect(scrubSecrets(`auth=Basic ${basic} pw=pa55word%21 PW=PA55WORD!`, ["https://alice:pa55word!@h.example/x"])).toBe(
      "auth=Basic *** pw=*** PW=***",
    );
    expect(redactUrl("https://alice:pw@h.example/p/a?token=x&y=2#f")).toBe("https://***:***@h.example/p/a?token=***&y=***#f");
    expect(redactUrl("not a url")).toBe("not a url");
  });
});
