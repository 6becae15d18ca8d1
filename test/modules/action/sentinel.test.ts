import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { attributeIndicator, STIX_PATTERNS, stixString } from "../../../src/modules/action/_sentinel/stix.js";
import { uploadBatches } from "../../../src/modules/action/_sentinel/upload.js";
import { Pacer } from "../../../src/modules/action/_sentinel/pacer.js";
import { runQueryCommand } from "../../../src/commands/query.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { objectErrors, startSentinelStandIn, type SentinelStandIn } from "../../helpers/sentinel-stand-in.js";
import { sink } from "../../helpers/sink.js";
import { closedPort, failures, selfSignedCertificate } from "../../helpers/stand-in.js";
import { nodeRequest as mispActionBody } from "../../helpers/misp-request.js";

// sentinel end to end: POST /query on the real app → a stand-in for the Entra token endpoint
// and the STIX objects upload API (test/helpers/sentinel-stand-in.ts).

const PARAMS = [
  "tenant_id",
  "client_id",
  "client_secret",
  "workspace_id",
  "source_system",
  "ids_only",
  "confidence",
  "valid_days",
  "requests_per_minute",
  "api_version",
  "api_url",
  "login_url",
  "scope",
  "verify_tls",
  "ca_certificate",
  "delivery",
];
const SUPPORTED = new Set([
  "ip-src",
  "ip-dst",
  "ip-src|port",
  "ip-dst|port",
  "domain",
  "hostname",
  "domain|ip",
  "url",
  "md5",
  "sha1",
  "sha256",
  "sha512",
  "filename|md5",
  "filename|sha1",
  "filename|sha256",
  "filename",
  "email",
  "email-src",
  "email-dst",
  "email-subject",
  "mac-address",
]);
const TLP: Record<string, string> = {
  "tlp:white": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
  "tlp:clear": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
  "tlp:green": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
  "tlp:amber": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
  "tlp:red": "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
};

function sQuery(data: unknown, params: Record<string, string>, filteredItems: unknown = data): Record<string, unknown> {
  return mispActionBody("sentinel", PARAMS, data, params, { filteredItems });
}

type Json = Record<string, any>;
const event = (name: string) => roaming(name).Event as Json;

let s: SentinelStandIn;
let app: TestApp;
beforeAll(async () => {
  s = await startSentinelStandIn();
  app = await startTestApp({ http: { timeoutMs: 1500 } });
});
afterAll(async () => {
  await app.close();
  await s.close();
});
afterEach(() => s.reset());
const base = (): Record<string, string> => ({
  tenant_id: s.tenant,
  client_id: s.clientId,
  client_secret: s.clientSecret,
  workspace_id: s.workspace,
  api_url: s.url,
  login_url: s.url,
  requests_per_minute: "6000",
});

/** An event with `n` IDS ip-dst attributes (distinct UUIDs and addresses). */
function manyAttributes(n: number): Json {
  const data = roaming("event-publish-tlp-red");
  (data.Event as Json)._AttributeFlattened = Array.from({ length: n }, (_, i) => ({
    id: String(i + 1),
    type: "ip-dst",
    category: "Network activity",
    to_ids: true,
    uuid: `5f0c1a2b-0000-4000-8000-${String(i).padStart(12, "0")}`,
    timestamp: "1717000000",
    value: `198.51.${Math.floor(i / 250)}.${i % 250}`,
    comment: "",
  }));
  return data;
}

describe("sentinel: every roaming fixture", () => {
  it.each(ROAMING_FIXTURES)("%s: each supported IDS attribute becomes a valid STIX 2.1 indicator", async (name) => {
    const ev = event(name);
    const r = await app.query(sQuery(roaming(name), { ...base(), confidence: "80" }));
    expect(r.body).toEqual({ data: true });
    const want = (ev._AttributeFlattened as Json[]).filter((a) => a.to_ids === true && SUPPORTED.has(a.type));
    expect(want.length).toBeGreaterThan(0);
    expect([...s.objects.keys()]).toEqual(want.map((a) => `indicator--${a.uuid}`));
    const eventTags = ((ev.Tag ?? []) as Json[]).map((t) => t.name as string);
    for (const a of want) {
      const o = s.objects.get(`indicator--${a.uuid}`)!;
      expect(objectErrors(o)).toEqual([]);
      expect(o).toMatchObject({
        type: "indicator",
        spec_version: "2.1",
        pattern_type: "stix",
        confidence: 80,
        created: new Date(Number(a.timestamp) * 1000).toISOString(),
      });
      expect(o.pattern).toContain(stixString(a.type.includes("|") ? a.value.split("|")[a.type.endsWith("|port") ? 0 : 1] : a.value));
      const tags = [...((a.Tag ?? []) as Json[]).map((t) => t.name as string), ...eventTags];
      const tlp = tags.map((t) => t.toLowerCase()).find((t) => t in TLP);
      expect(o.object_marking_refs).toEqual(tlp ? [TLP[tlp]] : undefined);
      expect(o.labels ?? []).toEqual([...new Set(tags.filter((t) => !t.toLowerCase().startsWith("tlp:")))]);
      expect(Date.parse(o.valid_until) - Date.parse(o.valid_from)).toBe(365 * 86_400_000);
    }
    const body = JSON.parse(s.standIn.requests.find((q) => q.path.startsWith("/workspaces/"))!.body);
    expect(body.sourcesystem).toBe("MISP");
  });
});

describe("sentinel: STIX patterns", () => {
  it.each([
    ["ip-dst", "203.0.113.7", "[ipv4-addr:value = '203.0.113.7']"],
    ["ip-src", "2001:db8::1", "[ipv6-addr:value = '2001:db8::1']"],
    ["ip-dst|port", "203.0.113.7|443", "[ipv4-addr:value = '203.0.113.7']"],
    ["domain", "evil.example", "[domain-name:value = 'evil.example']"],
    ["hostname", "c2.evil.example", "[domain-name:value = 'c2.evil.example']"],
    [
      "domain|ip",
      "evil.example|203.0.113.7",
      "[domain-name:value = 'evil.example' AND domain-name:resolves_to_refs[*].value = '203.0.113.7']",
    ],
    ["url", "https://evil.example/a?b='c'\\d", "[url:value = 'https://evil.example/a?b=\\'c\\'\\\\d']"],
    ["md5", "d41d8cd98f00b204e9800998ecf8427e", "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"],
    [
      "sha256",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
    ],
    [
      "filename|sha1",
      "a|b.exe|da39a3ee5e6b4b0d3255bfef95601890afd80709",
      "[file:name = 'a|b.exe' AND file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
    ],
    ["email-src", "ceo@evil.example", "[email-message:from_ref.value = 'ceo@evil.example']"],
    ["email-subject", "Invoice 'Q2'", "[email-message:subject = 'Invoice \\'Q2\\'']"],
  ])("%s %s", (type, value, pattern) => {
    const o = attributeIndicator(
      { type, value, uuid: "5f0c1a2b-0000-4000-8000-000000000001", timestamp: "1717000000" },
      {},
      { validDays: 0 },
      0,
    )!;
    expect(o.pattern).toBe(pattern);
    expect(objectErrors(o)).toEqual([]);
  });

  it("types without a pattern (and values that do not fit) are skipped", () => {
    for (const [type, value] of [
      ["btc", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"],
      ["text", "x"],
      ["ip-dst", "not an ip"],
      ["vulnerability", "CVE-2024-0001"],
    ]) {
      expect(attributeIndicator({ type, value, uuid: "5f0c1a2b-0000-4000-8000-000000000001" }, {}, { validDays: 0 }, 0)).toBeUndefined();
    }
    expect(Object.keys(STIX_PATTERNS).sort()).toEqual([...SUPPORTED].sort());
  });
});

describe("sentinel: batches, pacing, rate limits", () => {
  it("250 indicators go in requests of 100, 100 and 50, spaced at requests_per_minute", async () => {
    const r = await app.query(sQuery(manyAttributes(250), { ...base(), requests_per_minute: "300" }));
    expect(r.body).toEqual({ data: true });
    expect(s.uploads.map((u) => u.count)).toEqual([100, 100, 50]);
    expect(s.objects.size).toBe(250);
    // 300 per minute = one every 200 ms; arrival times jitter, the span cannot shrink much.
    expect(s.uploads[2].at - s.uploads[0].at).toBeGreaterThanOrEqual(340);
  });

  it("the pacer spaces slots exactly and refuses one beyond the deadline (fake clock)", async () => {
    let t = 1_000_000;
    const pacer = new Pacer();
    const signal = new AbortController().signal;
    const now = () => t;
    await pacer.wait("k", 600, signal, Number.POSITIVE_INFINITY, now);
    // The next slot is 100 ms later; with the clock moved past it there is no wait.
    t += 100;
    await pacer.wait("k", 600, signal, Number.POSITIVE_INFINITY, now);
    pacer.holdUntil("k", t + 45_000);
    await expect(pacer.wait("k", 600, signal, t + 9_000, now)).rejects.toThrow(
      "the rate limit allows the next request in 45 s, after the deadline",
    );
    await expect(pacer.wait("other", 600, signal, t + 9_000, now)).resolves.toBeUndefined();
  });

  it("a 429 whose delay is only in the message is honoured; the same batch is sent again, nothing lost", async () => {
    s.limitPerMinute = 2;
    s.retrySeconds = 1;
    const r = await app.query(sQuery(manyAttributes(250), base()));
    // Two requests pass, the third gets 429 "Try again in 1 seconds." and then... still limited for a minute.
    expect(r.body.error).toMatch(
      /^sentinel: batch 3\/3 rejected: HTTP 429 Too Many Requests, rate limited: Rate limit is exceeded\. Try again in 1 seconds\.; 200 objects accepted before, 50 not sent$/,
    );
    const limited = s.uploads.filter((u) => u.status === 429).length;
    expect(limited).toBe(4);
    expect(s.objects.size).toBe(200);
  });

  it("after the wait the batch goes through and every object arrives", async () => {
    s.standIn.script({ status: 429, body: { statusCode: 429, message: "Rate limit is exceeded. Try again in 1 seconds." } });
    const started = Date.now();
    const r = await app.query(sQuery(manyAttributes(150), base()));
    expect(r.body).toEqual({ data: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(s.objects.size).toBe(150);
    const uploads = s.standIn.requests.filter((q) => q.path.startsWith("/workspaces/"));
    expect(uploads).toHaveLength(3);
    expect(uploads[1].body).toBe(uploads[0].body);
  });

  it("429 with Retry-After is honoured too", async () => {
    s.standIn.script(failures.rateLimited(1, { statusCode: 429, message: "Rate limit is exceeded." }));
    const r = await app.query(sQuery(roaming("event-publish-tlp-red"), base()));
    expect(r.body).toEqual({ data: true });
    expect(s.objects.size).toBeGreaterThan(0);
  });

  it("a delay longer than the deadline is reported at once, with what was and was not sent; later runs respect it", async () => {
    // Its own stand-in: the 45 s hold is remembered per API and application.
    const other = await startSentinelStandIn();
    try {
      const p = { ...base(), api_url: other.url, login_url: other.url };
      // A first run caches the token, so the scripted 429 answers an upload.
      expect((await app.query(sQuery(roaming("event-publish-tlp-white"), p))).body).toEqual({ data: true });
      other.standIn.script({ status: 429, body: { statusCode: 429, message: "Rate limit is exceeded. Try again in 45 seconds." } });
      const started = Date.now();
      const r = await app.query(sQuery(manyAttributes(120), p));
      expect(r.body.error).toBe(
        "sentinel: batch 1/2 rejected: HTTP 429 Too Many Requests, rate limited: Rate limit is exceeded. Try again in 45 seconds.; 0 objects accepted before, 120 not sent",
      );
      expect(Date.now() - started).toBeLessThan(5000);
      const uploads = other.standIn.requests.length;
      const again = await app.query(sQuery(manyAttributes(120), p));
      expect(again.body.error).toMatch(
        /^sentinel: batch 1\/2 not sent: the rate limit allows the next request in 4\d s, after the deadline; 0 objects accepted before, 120 not sent$/,
      );
      expect(other.standIn.requests.length).toBe(uploads);
    } finally {
      await other.close();
    }
  });

  it("200 with errors is a partial failure naming the records", async () => {
    const data = manyAttributes(130);
    const flat = (data.Event as Json)._AttributeFlattened as Json[];
    s.refuse.set(`indicator--${flat[3].uuid}`, "Error for Property=pattern: Indicator is on the allow list.");
    s.refuse.set(`indicator--${flat[104].uuid}`, "Error for Property=valid_from: Too old.");
    const r = await app.query(sQuery(data, base()));
    expect(r.body.error).toBe(
      `sentinel: 2 of 130 objects rejected: object 4 (batch 1 record 3, indicator--${flat[3].uuid}): Error for Property=pattern: Indicator is on the allow list.; ` +
        `object 105 (batch 2 record 4, indicator--${flat[104].uuid}): Error for Property=valid_from: Too old.`,
    );
    expect(s.objects.size).toBe(128);
  });

  it("builders are pure and hold no token", () => {
    const objects = Array.from({ length: 201 }, (_, i) => ({
      id: `indicator--5f0c1a2b-0000-4000-8000-${String(i).padStart(12, "0")}`,
      type: "indicator",
    }));
    const t = { apiUrl: "https://api.ti.sentinel.azure.com", workspaceId: "ws", apiVersion: "2024-02-01-preview", sourceSystem: "MISP" };
    const a = uploadBatches(objects, t);
    expect(a.map((b) => b.count)).toEqual([100, 100, 1]);
    expect(a[0].url).toBe(
      "https://api.ti.sentinel.azure.com/workspaces/ws/threat-intelligence-stix-objects:upload?api-version=2024-02-01-preview",
    );
    expect(uploadBatches(objects, t).map((b) => b.idempotencyKey)).toEqual(a.map((b) => b.idempotencyKey));
    expect(Object.keys(a[0].headers)).not.toContain("authorization");
  });
});

describe("sentinel: OAuth2 client credentials", () => {
  it("the token is cached between runs and renewed when revoked", async () => {
    await app.query(sQuery(roaming("event-publish-tlp-red"), base()));
    const afterFirst = s.tokenRequests;
    expect(afterFirst).toBeLessThanOrEqual(1);
    await app.query(sQuery(roaming("event-publish-tlp-white"), base()));
    expect(s.tokenRequests).toBe(afterFirst);
    s.revokeAll();
    const r = await app.query(sQuery(roaming("event-publish-sharing-group"), base()));
    expect(r.body).toEqual({ data: true });
    expect(s.tokenRequests).toBe(afterFirst + 1);
  });

  it("a token about to expire is not reused", async () => {
    s.tokenLifetime = 30;
    s.revokeAll();
    expect((await app.query(sQuery(roaming("event-publish-tlp-red"), base()))).body).toEqual({ data: true });
    const n = s.tokenRequests;
    expect(n).toBe(1);
    await app.query(sQuery(roaming("event-publish-tlp-white"), base()));
    expect(s.tokenRequests).toBe(n + 1);
  });

  it("a wrong secret is Entra's error, without the secret", async () => {
    const r = await app.query(sQuery(roaming("event-publish-tlp-red"), { ...base(), client_secret: "wrong~secret-value-123" }));
    expect(r.body.error).toMatch(
      /^sentinel: batch 1\/1: token request failed: HTTP 401 Unauthorized: invalid_client: AADSTS7000215: Invalid client secret provided\./,
    );
    expect(String(r.body.error)).not.toContain("wrong~secret-value-123");
  });

  it("an unknown tenant", async () => {
    const r = await app.query(sQuery(roaming("event-publish-tlp-red"), { ...base(), tenant_id: "contoso.onmicrosoft.com" }));
    expect(r.body.error).toMatch(/token request failed: HTTP 400 Bad Request: invalid_tenant: AADSTS90002: Tenant not found\./);
  });
});

describe("sentinel: failures", () => {
  it("404 workspace, 400 api-version, 500, hang, refused", async () => {
    const notFound = await app.query(
      sQuery(roaming("event-publish-tlp-red"), { ...base(), workspace_id: "00000000-0000-4000-8000-000000000000" }),
    );
    expect(notFound.body.error).toMatch(
      /HTTP 404 Not Found: WorkspaceNotFound: Workspace 00000000-0000-4000-8000-000000000000 not found; 0 objects accepted before, \d+ not sent$/,
    );
    const version = await app.query(sQuery(roaming("event-publish-tlp-red"), { ...base(), api_version: "2022-07-01" }));
    // The HTTP client scrubs long query values from messages (they may be credentials).
    expect(version.body.error).toMatch(/HTTP 400 Bad Request: InvalidApiVersion: The api-version '\*\*\*' is invalid\./);
    s.standIn.script(failures.serverError({ statusCode: 500, message: "Internal error" }));
    // The token request comes first when none is cached; script after it.
    const err = await app.query(sQuery(roaming("event-publish-tlp-red"), base()));
    expect(err.body.error ?? "").toMatch(/HTTP 500 Internal Server Error/);
  });

  it("a hanging API times out; a closed port is refused", async () => {
    await app.query(sQuery(roaming("event-publish-tlp-red"), base())); // caches a token
    s.standIn.script(failures.hang);
    const hang = await app.query(sQuery(roaming("event-publish-tlp-white"), base()));
    expect(hang.body.error).toMatch(/failed: no response from .* within 1500 ms/);
    const port = await closedPort();
    const refused = await app.query(
      sQuery(roaming("event-publish-tlp-red"), { ...base(), login_url: `http://127.0.0.1:${port}`, api_url: `http://127.0.0.1:${port}` }),
    );
    expect(refused.body.error).toMatch(/connection refused/);
  });

  it("self-signed certificate refused, trusted with ca_certificate", async () => {
    const tlsS = await startSentinelStandIn({ tls: true });
    try {
      const p = { ...base(), api_url: tlsS.url, login_url: tlsS.url };
      expect((await app.query(sQuery(roaming("event-publish-tlp-red"), p))).body.error).toMatch(/TLS error .*self-signed/);
      expect(
        (await app.query(sQuery(roaming("event-publish-tlp-red"), { ...p, ca_certificate: selfSignedCertificate().cert }))).body,
      ).toEqual({ data: true });
      expect(tlsS.objects.size).toBeGreaterThan(0);
    } finally {
      await tlsS.close();
    }
  });

  it.each([
    [{ tenant_id: "not a tenant" }, 'sentinel: parameter "tenant_id": must be a GUID or a domain such as contoso.onmicrosoft.com'],
    [{ workspace_id: "ws" }, 'sentinel: parameter "workspace_id": must be a GUID'],
    [{ source_system: "Microsoft Sentinel" }, `sentinel: parameter "source_system": 'Microsoft Sentinel' is reserved`],
    [{ confidence: "101" }, 'sentinel: parameter "confidence": must be between 0 and 100'],
    [{ client_secret: "" }, 'sentinel: parameter "client_secret": is required'],
  ])("rejects %j before sending", async (override, error) => {
    const r = await app.query(sQuery(roaming("event-publish-tlp-red"), { ...base(), ...override }));
    expect(r.body).toEqual({ error });
    expect(s.standIn.requests).toHaveLength(0);
  });
});

describe("sentinel: descriptor and query CLI", () => {
  it("publishes a descriptor whose placeholders are valid values", async () => {
    const list = (await (await fetch(`${app.url}/modules`)).json()) as Json[];
    const d = list.find((m) => m.name === "sentinel")!;
    expect(Object.keys(d.meta.config.params)).toEqual(PARAMS);
    const p = d.meta.config.params;
    for (const k of ["tenant_id", "client_id", "workspace_id"])
      expect(p[k].value).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(p.api_version.value).toBe("2024-02-01-preview");
  });

  it("runs from the query CLI (in-process)", { timeout: 120_000 }, async () => {
    const stdin = new PassThrough();
    stdin.end("");
    const out = sink();
    const err = sink();
    const fixture = fileURLToPath(new URL("../../fixtures/roaming/event-publish-onion-pap-red.json", import.meta.url));
    const params = Object.entries(base()).map(([k, v]) => `${k}=${v}`);
    const code = await runQueryCommand({ module: "sentinel", data: fixture, params }, { stdin, stdout: out.stream, stderr: err.stream });
    expect(err.text()).toBe("");
    expect(code).toBe(0);
    expect(s.objects.size).toBe(
      (event("event-publish-onion-pap-red")._AttributeFlattened as Json[]).filter((a) => a.to_ids === true && SUPPORTED.has(a.type)).length,
    );
  });
});
