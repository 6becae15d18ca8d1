import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { badThrows, badValues } from "./fixtures/hostile/shapes.js";

// Issue 19, finding 5: MISP counts an HTTP 500 as success for a blocking guard, so a module
// that returns what JSON cannot encode, or throws something odd, must still get 200 + error.

const root = fileURLToPath(new URL("./fixtures/hostile", import.meta.url));

let t: TestApp;
const lines: string[] = [];

beforeAll(async () => {
  const logs = new PassThrough();
  logs.on("data", (c: Buffer) => lines.push(...c.toString("utf8").split("\n").filter(Boolean)));
  t = await startTestApp({ custom: [root] }, { logDestination: logs });
});
afterAll(() => t.close());

async function post(body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${t.url}/query`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

describe("replies JSON cannot encode", () => {
  it.each(Object.keys(badValues))("action returning %s: 200 with an error naming the module", async (shape) => {
    const r = await post({ module: "hostile_reply", data: {}, params: { how: "return", shape } });
    expect(r.status).toBe(200);
    const reply = JSON.parse(r.text) as { error?: string };
    expect(reply.error).toMatch(/^hostile_reply: internal error: the module's reply cannot be encoded as JSON \(.+\)$/);
  });

  it.each(Object.keys(badValues))("expansion returning %s: 200 with error and empty results", async (shape) => {
    const r = await post({ module: "hostile_expansion", text: shape, config: { how: "return" } });
    expect(r.status).toBe(200);
    const reply = JSON.parse(r.text) as { error?: string; results?: unknown[] };
    expect(reply.error).toMatch(/cannot be encoded as JSON/);
    expect(reply.results).toEqual([]);
  });
});

describe("awkward throws", () => {
  it.each(Object.keys(badThrows))("action throwing %s: 200 with an error", async (shape) => {
    const r = await post({ module: "hostile_reply", data: {}, params: { how: "throw", shape } });
    expect(r.status).toBe(200);
    const reply = JSON.parse(r.text) as { error?: string };
    expect(reply.error).toMatch(/^hostile_reply: internal error: ./);
  });

  it.each(Object.keys(badThrows))("expansion throwing %s: 200 with an error", async (shape) => {
    const r = await post({ module: "hostile_expansion", text: shape, config: { how: "throw" } });
    expect(r.status).toBe(200);
    const reply = JSON.parse(r.text) as { error?: string; results?: unknown[] };
    expect(reply.error).toMatch(/^internal error: ./);
    expect(reply.results).toEqual([]);
  });

  it("says what was thrown where it can", async () => {
    const said = async (shape: string) =>
      (JSON.parse((await post({ module: "hostile_reply", data: {}, params: { how: "throw", shape } })).text) as { error: string }).error;
    expect(await said("stack_number")).toBe("hostile_reply: internal error: stack is a number");
    expect(await said("null")).toBe("hostile_reply: internal error: null was thrown");
    expect(await said("symbol")).toBe("hostile_reply: internal error: Symbol(thrown) was thrown");
    expect(await said("string")).toBe("hostile_reply: internal error: a thrown string was thrown");
    expect(await said("throwing_toString")).toMatch(/cannot be shown as text/);
  });

  it("the server stays healthy and each crash is logged as valid JSON", async () => {
    expect((await fetch(`${t.url}/healthcheck`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const queries = parsed.filter((l) => l.msg === "query");
    expect(queries.length).toBeGreaterThanOrEqual(2 * (Object.keys(badValues).length + Object.keys(badThrows).length));
    expect(queries.every((q) => q.outcome === "crash")).toBe(true);
    expect(parsed.some((l) => l.msg === "unhandled error")).toBe(false);
  });
});
