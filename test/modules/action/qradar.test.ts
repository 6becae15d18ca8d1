import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bulkLoadRequests, createSetRequest } from "../../../src/modules/action/_qradar/requests.js";
import { elementTypeFor, parseSetMapping, setValue } from "../../../src/modules/action/_qradar/sets.js";
import { runQueryCommand } from "../../../src/commands/query.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { startQradarStandIn, qradarError, type QradarStandIn } from "../../helpers/qradar-stand-in.js";
import { sink } from "../../helpers/sink.js";
import { closedPort, failures, selfSignedCertificate } from "../../helpers/stand-in.js";
import { nodeRequest as mispActionBody } from "../../helpers/misp-request.js";

// qradar end to end: POST /query on the real app → a reference-data stand-in that enforces
// the contract (test/helpers/qradar-stand-in.ts) and answers with QRadar's error codes.

const PARAMS = [
  "url",
  "sec_token",
  "api_version",
  "set_mapping",
  "create_missing_sets",
  "time_to_live",
  "ids_only",
  "verify_tls",
  "ca_certificate",
  "delivery",
];
const TOKEN = "5e0f1b63-5b42-4b0c-9d53-37b4a8f0c2a1";
// The documented default mapping (docs/actions-siem.md#qradar), written out independently.
const SETS: Record<string, string> = {
  "ip-src": "MISP IP",
  "ip-dst": "MISP IP",
  "ip-src|port": "MISP IP",
  "ip-dst|port": "MISP IP",
  "domain|ip": "MISP IP",
  domain: "MISP Domains",
  hostname: "MISP Domains",
  url: "MISP URLs",
  md5: "MISP Hashes",
  sha1: "MISP Hashes",
  sha256: "MISP Hashes",
  sha512: "MISP Hashes",
  "filename|md5": "MISP Hashes",
  "filename|sha1": "MISP Hashes",
  "filename|sha256": "MISP Hashes",
  email: "MISP Emails",
  "email-src": "MISP Emails",
  "email-dst": "MISP Emails",
};
const ELEMENT: Record<string, string> = {
  "MISP IP": "IP",
  "MISP Domains": "ALNIC",
  "MISP URLs": "ALN",
  "MISP Hashes": "ALNIC",
  "MISP Emails": "ALNIC",
};

function qQuery(data: unknown, params: Record<string, string>, filteredItems: unknown = data): Record<string, unknown> {
  return mispActionBody("qradar", PARAMS, data, params, { filteredItems });
}

type Json = Record<string, any>;
const event = (name: string) => roaming(name).Event as Json;

/** What each set should hold after exporting the fixture (IDS attributes, default mapping). */
function expected(name: string, idsOnly = true): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of event(name)._AttributeFlattened as Json[]) {
    if (idsOnly && a.to_ids !== true) continue;
    const set = SETS[a.type];
    if (!set) continue;
    let v = String(a.value);
    if (a.type.endsWith("|port")) v = v.split("|")[0];
    else if (a.type.includes("|")) v = v.split("|")[1];
    if (ELEMENT[set] === "ALNIC") v = v.toLowerCase();
    const list = out.get(set) ?? [];
    if (!list.includes(v)) list.push(v);
    out.set(set, list);
  }
  return out;
}

let q: QradarStandIn;
let app: TestApp;
beforeAll(async () => {
  q = await startQradarStandIn(TOKEN);
  app = await startTestApp({ http: { timeoutMs: 1500 } });
});
afterAll(async () => {
  await app.close();
  await q.close();
});
afterEach(() => {
  q.sets.clear();
  q.standIn.reset();
});
const base = () => ({ url: q.url, sec_token: TOKEN });
const createAll = () => {
  for (const [name, type] of Object.entries(ELEMENT)) q.sets.set(name, { elementType: type, values: new Set() });
};

describe("qradar: every roaming fixture", () => {
  it.each(ROAMING_FIXTURES)("%s: IDS values land in their sets, one bulk_load per set, SEC and Version headers", async (name) => {
    createAll();
    const r = await app.query(qQuery(roaming(name), base()));
    expect(r.body).toEqual({ data: true });
    const want = expected(name);
    expect(want.size).toBeGreaterThan(0);
    expect(q.standIn.requests).toHaveLength(want.size);
    for (const req of q.standIn.requests) {
      expect(req.headers.sec).toBe(TOKEN);
      expect(req.headers.version).toBe("16.0");
      expect(req.headers["content-type"]).toBe("application/json");
    }
    for (const set of Object.keys(ELEMENT)) expect([...q.sets.get(set)!.values]).toEqual(want.get(set) ?? []);
  });

  it("ids_only false sends every mapped value", async () => {
    createAll();
    const r = await app.query(qQuery(roaming("event-publish-tlp-red"), { ...base(), ids_only: "false" }));
    expect(r.body).toEqual({ data: true });
    const want = expected("event-publish-tlp-red", false);
    for (const [set, values] of want) expect([...q.sets.get(set)!.values]).toEqual(values);
    const count = (m: Map<string, string[]>) => [...m.values()].reduce((n, v) => n + v.length, 0);
    expect(count(want)).toBeGreaterThan(count(expected("event-publish-tlp-red")));
  });
});

describe("qradar: missing sets", () => {
  it("404 code 1002 is reported with its meaning when creation is off", async () => {
    const r = await app.query(qQuery(roaming("event-publish-mixed-galaxy-objects"), base()));
    expect(r.body.error).toMatch(
      /^qradar: reference set "MISP [A-Za-z]+" rejected: HTTP 404 Not Found: code 1002 \(the reference set does not exist\): The reference set MISP [A-Za-z]+ does not exist$/,
    );
  });

  it("create_missing_sets creates each set with its element type and time to live, then loads it", async () => {
    const r = await app.query(
      qQuery(roaming("event-publish-mixed-galaxy-objects"), { ...base(), create_missing_sets: "true", time_to_live: "90 days" }),
    );
    expect(r.body).toEqual({ data: true });
    const want = expected("event-publish-mixed-galaxy-objects");
    expect([...q.sets.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [set, values] of want) {
      expect(q.sets.get(set)).toMatchObject({ elementType: ELEMENT[set], timeToLive: "90 days" });
      expect([...q.sets.get(set)!.values]).toEqual(values);
    }
    const creates = q.standIn.requests.filter((x) => x.path === "/api/reference_data/sets");
    expect(creates).toHaveLength(want.size);
    expect(creates[0].query.get("timeout_type")).toBe("LAST_SEEN");
  });

  it("a set created meanwhile (409 code 1004) is fine", async () => {
    q.standIn.script(qradarError(404, "Not found", 1002, "The reference set MISP IP does not exist"));
    q.sets.set("MISP IP", { elementType: "IP", values: new Set() });
    createAll();
    const r = await app.query(qQuery(roaming("event-publish-tlp-red"), { ...base(), create_missing_sets: "true" }));
    expect(r.body).toEqual({ data: true });
    expect(q.standIn.requests.some((x) => x.path === "/api/reference_data/sets")).toBe(true);
  });
});

describe("qradar: QRadar's errors", () => {
  it("422 code 1005: a value that does not match the set's element type", async () => {
    createAll();
    q.sets.set("MISP IP", { elementType: "IP", values: new Set() });
    const data = roaming("event-publish-tlp-red");
    (data.Event as Json)._AttributeFlattened.push({
      id: "9",
      type: "ip-dst",
      value: "2001:db8::1",
      to_ids: true,
      uuid: "0b7a6c3e-1111-4a4a-8888-1234567890ab",
      category: "Network activity",
    });
    const r = await app.query(qQuery(data, base()));
    expect(r.body.error).toMatch(
      /reference set "MISP IP" rejected: HTTP 422 Unprocessable Entity: code 1005 \(a value or parameter is not valid \(e\.g\. a value that does not match the set's element type\)\): Value \[2001:db8::1\] is not a valid IP address/,
    );
  });

  it("400 code 1001 and 500 code 1020 are explained", async () => {
    createAll();
    q.standIn.script(qradarError(400, "The request was not well-formed", 1001, "The JSON body could not be parsed"));
    const a = await app.query(qQuery(roaming("event-publish-tlp-red"), base()));
    expect(a.body.error).toMatch(
      /HTTP 400 Bad Request: code 1001 \(the request body could not be parsed\): The JSON body could not be parsed$/,
    );
    q.standIn.script(
      qradarError(
        500,
        "Unexpected internal server error",
        1020,
        "An error occurred while attempting to add or update data in the reference set",
      ),
    );
    const b = await app.query(qQuery(roaming("event-publish-tlp-red"), base()));
    expect(b.body.error).toMatch(
      /HTTP 500 Internal Server Error: code 1020 \(QRadar could not add or update the data\): An error occurred while attempting/,
    );
  });

  it("401 for a wrong token, not echoed", async () => {
    createAll();
    const r = await app.query(qQuery(roaming("event-publish-tlp-red"), { ...base(), sec_token: "0000aaaa-bad0-token" }));
    expect(r.body.error).toMatch(/HTTP 401 Unauthorized: code 13: Invalid authentication token\.$/);
    expect(String(r.body.error)).not.toContain("0000aaaa-bad0-token");
  });

  it("403 (insufficient capabilities), 429 with and without Retry-After", async () => {
    createAll();
    q.standIn.script(
      qradarError(403, "Your account is not authorized to access the requested resource.", 26, "User has insufficient capabilities"),
    );
    expect((await app.query(qQuery(roaming("event-publish-tlp-red"), base()))).body.error).toMatch(
      /HTTP 403 Forbidden: code 26: User has insufficient capabilities$/,
    );
    q.standIn.script(failures.rateLimited(7, "slow down"));
    expect((await app.query(qQuery(roaming("event-publish-tlp-red"), base()))).body.error).toMatch(
      /HTTP 429 Too Many Requests, rate limited, retry after 7 s: slow down$/,
    );
    q.standIn.script({ status: 429, body: "slow down" });
    expect((await app.query(qQuery(roaming("event-publish-tlp-red"), base()))).body.error).toMatch(
      /HTTP 429 Too Many Requests, rate limited: slow down$/,
    );
  });

  it("an HTML 200 (a login page) is not a success", async () => {
    createAll();
    q.standIn.script({ status: 200, body: "<html>QRadar login</html>" });
    const r = await app.query(qQuery(roaming("event-publish-tlp-red"), base()));
    expect(r.body.error).toMatch(/HTTP 200 that is not QRadar's reference set reply/);
  });

  it("hang and connection refused", async () => {
    createAll();
    q.standIn.script(failures.hang);
    expect((await app.query(qQuery(roaming("event-publish-tlp-red"), base()))).body.error).toMatch(
      /failed: no response from .* within 1500 ms/,
    );
    const port = await closedPort();
    expect((await app.query(qQuery(roaming("event-publish-tlp-red"), { ...base(), url: `http://127.0.0.1:${port}` }))).body.error).toMatch(
      /failed: connection refused/,
    );
  });

  it("self-signed certificate refused, trusted with ca_certificate", async () => {
    const tlsQ = await startQradarStandIn(TOKEN, { tls: true });
    try {
      tlsQ.sets.set("MISP IP", { elementType: "IP", values: new Set() });
      for (const [name, type] of Object.entries(ELEMENT))
        if (!tlsQ.sets.has(name)) tlsQ.sets.set(name, { elementType: type, values: new Set() });
      const refused = await app.query(qQuery(roaming("event-publish-tlp-red"), { url: tlsQ.url, sec_token: TOKEN }));
      expect(refused.body.error).toMatch(/TLS error .*self-signed/);
      const ok = await app.query(
        qQuery(roaming("event-publish-tlp-red"), { url: tlsQ.url, sec_token: TOKEN, ca_certificate: selfSignedCertificate().cert }),
      );
      expect(ok.body).toEqual({ data: true });
    } finally {
      await tlsQ.close();
    }
  });
});

describe("qradar: parameters, builders, descriptor, CLI", () => {
  it.each([
    [{ api_version: "latest" }, 'qradar: parameter "api_version": must be a version such as 16.0'],
    [{ time_to_live: "forever" }, `qradar: parameter "time_to_live": must be a number and a unit, e.g. '90 days' or '12 hours'`],
    [{ set_mapping: "ip-src MISP" }, 'qradar: parameter "set_mapping": line 1: expected "types = Set name"'],
    [{ set_mapping: "ip-src = A\nip-src = B" }, 'qradar: parameter "set_mapping": line 2: type ip-src is already mapped to "A"'],
    [{ sec_token: "" }, 'qradar: parameter "sec_token": is required'],
  ])("rejects %j before sending", async (override, error) => {
    const r = await app.query(qQuery(roaming("event-publish-tlp-red"), { ...base(), ...override }));
    expect(r.body).toEqual({ error });
    expect(q.standIn.requests).toHaveLength(0);
  });

  it("element types, composite values, prepared requests without the token", () => {
    expect(elementTypeFor(["ip-src", "ip-dst|port"])).toBe("IP");
    expect(elementTypeFor(["md5", "domain"])).toBe("ALNIC");
    expect(elementTypeFor(["url", "domain"])).toBe("ALN");
    expect(setValue("ip-dst|port", "203.0.113.5|443")).toBe("203.0.113.5");
    expect(setValue("filename|sha256", "a.exe|abc")).toBe("abc");
    const [set] = parseSetMapping("ip-src = My Set/IPs");
    const [req] = bulkLoadRequests({ baseUrl: "https://qradar.example.org/", apiVersion: "20.0" }, set, ["198.51.100.1"]);
    expect(req.url).toBe("https://qradar.example.org/api/reference_data/sets/bulk_load/My%20Set%2FIPs");
    expect(req.headers).toEqual({ accept: "application/json", version: "20.0", "content-type": "application/json" });
    expect(createSetRequest({ baseUrl: "https://qradar.example.org", apiVersion: "20.0" }, set, { timeToLive: "" }).url).toBe(
      "https://qradar.example.org/api/reference_data/sets?name=My+Set%2FIPs&element_type=IP",
    );
  });

  it("publishes a descriptor with valid placeholders", async () => {
    const list = (await (await fetch(`${app.url}/modules`)).json()) as Json[];
    const d = list.find((m) => m.name === "qradar")!;
    expect(Object.keys(d.meta.config.params)).toEqual(PARAMS);
    expect(parseSetMapping(d.meta.config.params.set_mapping.value).map((s) => s.name)).toEqual(Object.keys(ELEMENT));
    expect(d.meta.config.params.api_version.value).toBe("16.0");
  });

  it("runs from the query CLI (in-process)", { timeout: 120_000 }, async () => {
    createAll();
    const stdin = new PassThrough();
    stdin.end("");
    const out = sink();
    const err = sink();
    const fixture = fileURLToPath(new URL("../../fixtures/roaming/event-publish-onion-pap-red.json", import.meta.url));
    const code = await runQueryCommand(
      { module: "qradar", data: fixture, params: [`url=${q.url}`, `sec_token=${TOKEN}`] },
      { stdin, stdout: out.stream, stderr: err.stream },
    );
    expect(err.text()).toBe("");
    expect(code).toBe(0);
    const want = expected("event-publish-onion-pap-red");
    for (const [set, values] of want) expect([...q.sets.get(set)!.values]).toEqual(values);
  });
});
