import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deadlineFor, MAX_TIMER_MS } from "../../src/core/runtime/run-query.js";
import { stringifyIteratively } from "../../src/modules/shared/json-text.js";
import { httpBuildQuery } from "../../src/modules/shared/messages/form-encode.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { startStandIn, type StandIn } from "../helpers/stand-in.js";
import { tempModuleRoot } from "../sdk/module-files.js";

// Issue 19, finding 10: deep data, huge body timeouts, `modules -c` with a scaffolded module,
// and malformed Content-Type headers.

const fixtures = fileURLToPath(new URL("../fixtures/modules", import.meta.url));
const DEPTH = 10_000;
const deepArray = "[".repeat(DEPTH) + "1" + "]".repeat(DEPTH);
const deepObject = '{"a":'.repeat(DEPTH) + '"leaf"' + "}".repeat(DEPTH);

let app: TestApp;
let standIn: StandIn;

beforeAll(async () => {
  standIn = await startStandIn();
  app = await startTestApp({ debug: true, custom: [fixtures] });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await standIn?.close();
});

async function raw(body: string, contentType?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = contentType === undefined ? {} : { "content-type": contentType };
  const res = await fetch(`${app.url}/query`, { method: "POST", headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("10,000-deep data", () => {
  it.each([
    ["json", deepArray],
    ["json", deepObject],
    ["text", deepObject],
  ])("http_webhook (%s) sends it exactly as received", async (contentType, data) => {
    standIn.reset();
    const params = { url: `${standIn.url}/deep`, content_type: contentType };
    const r = await raw(`{"module":"http_webhook","params":${JSON.stringify(params)},"data":${data}}`, "application/json");
    expect(r).toEqual({ status: 200, body: { data: true } });
    const sent = standIn.last().body;
    expect(sent.length).toBe(data.length);
    expect(sent === data).toBe(true);
  });

  it("http_webhook (form) encodes it the PHP way", async () => {
    standIn.reset();
    const params = { url: `${standIn.url}/deep`, content_type: "form" };
    const r = await raw(`{"module":"http_webhook","params":${JSON.stringify(params)},"data":${deepObject}}`, "application/json");
    expect(r).toEqual({ status: 200, body: { data: true } });
    const sent = standIn.last().body;
    // Compared by length and ends: a failure would otherwise print 90 kB twice.
    expect(sent.length).toBe(`a${"%5Ba%5D".repeat(DEPTH - 1)}=leaf`.length);
    expect(sent.startsWith("a%5Ba%5D%5Ba%5D") && sent.endsWith("%5Ba%5D=leaf")).toBe(true);
  });

  it.each([deepArray, deepObject])("testaction in debug mode answers success", async (data) => {
    const r = await raw(`{"module":"testaction","params":{"foo":""},"data":${data}}`, "application/json");
    expect(r).toEqual({ status: 200, body: { data: true } });
  });

  it("the iterative encoder writes what JSON.stringify writes", () => {
    const samples: unknown[] = [
      { a: [1, "x", null, true, { b: undefined, c: () => 1 }, undefined], "2": -0, "1": 1e21, s: 'q"\\\n\u2028' },
      [],
      {},
      "text",
      null,
      { toJSON: () => ({ replaced: [NaN, Infinity] }) },
      { d: new Date(0), n: Object(5) as number },
    ];
    for (const s of samples) expect(stringifyIteratively(s)).toBe(JSON.stringify(s));
    expect(stringifyIteratively(undefined)).toBeUndefined();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => stringifyIteratively(cyclic)).toThrow(/circular/);
    expect(httpBuildQuery({ a: { b: [1, true, null], c: "x y" } })).toBe("a%5Bb%5D%5B0%5D=1&a%5Bb%5D%5B1%5D=1&a%5Bc%5D=x+y");
  });
});

describe("body timeout beyond setTimeout's range", () => {
  it.each([2_147_485, 10_000_000, Number.MAX_SAFE_INTEGER])("timeout %d: the module runs, no instant Timeout", async (timeout) => {
    const started = Date.now();
    const r = await app.query({ module: "slow_action", params: { wait_ms: 200 }, timeout });
    expect(r).toEqual({ status: 200, body: { data: true } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it("the deadline is clamped to the longest timer delay", () => {
    const mod = app.app.registry.get("testaction")!;
    expect(deadlineFor(mod, { timeout: 2_147_485 }, app.app.services)).toBe(MAX_TIMER_MS);
    expect(deadlineFor(mod, { timeout: 30 }, app.app.services)).toBe(29_000);
  });
});

describe("malformed Content-Type", () => {
  it.each(["garbage", "/", "a/b/c", "", "application json", "text/plain/extra; charset=utf-8", "(json)"])(
    "%j: the body is read as JSON (200, not 415)",
    async (type) => {
      const r = await raw('{"module":"testaction","data":{},"params":{}}', type);
      expect(r).toEqual({ status: 200, body: { data: true } });
    },
  );

  it("a malformed type with a malformed body is still a 400 JSON error", async () => {
    const r = await raw("{not json", "garbage");
    expect(r.status).toBe(400);
    expect(String(r.body.error)).toMatch(/not valid JSON/);
  });
});

describe("modules -c DIR", () => {
  const run = promisify(execFile);
  const PACKAGE_ROOT = fileURLToPath(new URL("../..", import.meta.url));
  const CLI = join(PACKAGE_ROOT, "src", "cli.ts");
  const CHILD_ENV = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR };
  const tmp = tempModuleRoot("mmts-minor-");
  afterAll(() => tmp.remove());

  it("lists a module scaffolded with `new`", async () => {
    await run(process.execPath, ["--import", "tsx", CLI, "new", "action", "scaffolded_hook", "--dir", tmp.root], {
      cwd: PACKAGE_ROOT,
      env: CHILD_ENV,
    });
    await run(process.execPath, ["--import", "tsx", CLI, "new", "expansion", "scaffolded_lookup", "--dir", tmp.root], {
      cwd: PACKAGE_ROOT,
      env: CHILD_ENV,
    });
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", CLI, "modules", "-c", tmp.root], {
      cwd: PACKAGE_ROOT,
      env: CHILD_ENV,
    });
    expect(stderr).toBe("");
    expect(stdout).toMatch(/^scaffolded_hook\s+action/m);
    expect(stdout).toMatch(/^scaffolded_lookup\s+expansion/m);
    expect(stdout).toMatch(/^testaction\s+action/m);
  }, 60_000);
});
