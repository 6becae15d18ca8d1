import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { parseExposition, valueOf } from "./prometheus-text.js";

// GET /metrics (docs/operations-runtime.md): scraped and parsed after real /query calls.

const modules = fileURLToPath(new URL("../../fixtures/capped-modules", import.meta.url));

async function hook(): Promise<{ url: string; host: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(req.headers["content-type"] === "application/json" ? 200 : 415).end("{}"));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, host: `127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

const testaction = () => ({
  module: "testaction",
  data: roaming("event-publish-tlp-red"),
  params: { foo: "", data_extraction_path: "" },
  matchingData: { "Data Extraction Path": [] },
});

describe("/metrics", () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof hook>>;
  let b: Awaited<ReturnType<typeof hook>>;
  const scrape = async () => {
    const res = await fetch(`${t.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(res.headers.get("x-served-by")).toBe(String(process.pid));
    return parseExposition(await res.text());
  };
  beforeAll(async () => {
    [a, b] = await Promise.all([hook(), hook()]);
    t = await startTestApp({ custom: [modules], isolation: { mode: "none" }, metrics: { maxHosts: 1 } });
  });
  afterAll(async () => {
    await t?.close();
    await a?.close();
    await b?.close();
  });

  it("counts queries by module and outcome, with their latency and body sizes", async () => {
    const before = await scrape();
    for (let i = 0; i < 3; i++) expect((await t.query(testaction())).body).toEqual({ data: true });
    await t.query({ module: "no_such_module_from_the_request" });
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(delta("misp_modules_queries_total", { module: "testaction", outcome: "ok" })).toBe(3);
    expect(delta("misp_modules_query_duration_seconds_count", { module: "testaction" })).toBe(3);
    expect(delta("misp_modules_query_body_bytes_count")).toBe(4);
    // Histogram buckets are cumulative, end with +Inf = count, and the sum is the observations'.
    const buckets = after.filter((s) => s.name === "misp_modules_query_duration_seconds_bucket" && s.labels.module === "testaction");
    expect(buckets.at(-1)?.labels.le).toBe("+Inf");
    expect(buckets.at(-1)?.value).toBe(valueOf(after, "misp_modules_query_duration_seconds_count", { module: "testaction" }));
    for (let i = 1; i < buckets.length; i++) expect(buckets[i].value).toBeGreaterThanOrEqual(buckets[i - 1].value);
    expect(delta("misp_modules_query_duration_seconds_sum", { module: "testaction" })).toBeGreaterThan(0);
    const event = roaming("event-publish-tlp-red");
    expect(delta("misp_modules_query_body_bytes_sum")).toBeGreaterThan(3 * JSON.stringify(event).length);
    expect(delta("misp_modules_query_body_bytes_bucket", { le: "1024" })).toBe(1);
    // A name from the request is never a label.
    expect(delta("misp_modules_queries_total", { module: "(unknown)", outcome: "unknown_module" })).toBe(1);
    expect(after.some((s) => Object.values(s.labels).includes("no_such_module_from_the_request"))).toBe(false);
    // Process metrics and the module gauges are there.
    expect(valueOf(after, "misp_modules_process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(valueOf(after, "misp_modules_modules_loaded")).toBeGreaterThan(10);
    expect(after.some((s) => s.name === "misp_modules_render_pool_busy")).toBe(true);
  });

  it("counts outbound calls per host and status, the hosts past the cap as other", async () => {
    const q = (url: string) => t.query({ module: "chat_post", data: {}, params: { url } });
    expect((await q(a.url)).body).toEqual({ data: true });
    expect((await q(b.url)).body).toEqual({ data: true });
    expect((await q(b.url)).body).toEqual({ data: true });
    const after = await scrape();
    const outbound = after.filter((s) => s.name === "misp_modules_outbound_requests_total");
    expect(outbound.map((s) => s.labels.host).sort()).toEqual([a.host, "other"].sort());
    expect(valueOf(after, "misp_modules_outbound_requests_total", { host: a.host, status: "200" })).toBe(1);
    expect(valueOf(after, "misp_modules_outbound_requests_total", { host: "other", status: "200" })).toBe(2);
    expect(valueOf(after, "misp_modules_module_running", { module: "chat_post" })).toBe(0);
  });

  it("refuses clients other than loopback when no console token is set", async () => {
    const r = await t.app.server.inject({ method: "GET", url: "/metrics", remoteAddress: "192.0.2.10" });
    expect(r.statusCode).toBe(403);
    expect(r.json().error).toMatch(/loopback clients only/);
  });
});

describe("/metrics with a console token, and switched off", () => {
  const token = "a-console-token-of-some-length";
  let t: TestApp;
  let off: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ console: { enabled: false, token } });
    off = await startTestApp({}, { env: { MISP_MODULES_METRICS: "0" } });
  });
  afterAll(async () => {
    await t?.close();
    await off?.close();
  });

  it("a remote client needs the token", async () => {
    const remote = "192.0.2.10";
    expect((await t.app.server.inject({ method: "GET", url: "/metrics", remoteAddress: remote })).statusCode).toBe(401);
    const wrong = await t.app.server.inject({
      method: "GET",
      url: "/metrics",
      remoteAddress: remote,
      headers: { authorization: "Bearer nope" },
    });
    expect(wrong.statusCode).toBe(401);
    const right = await t.app.server.inject({
      method: "GET",
      url: "/metrics",
      remoteAddress: remote,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(right.statusCode).toBe(200);
    expect(parseExposition(right.body).length).toBeGreaterThan(10);
  });

  it("is absent when switched off", async () => {
    expect((await fetch(`${off.url}/metrics`)).status).toBe(404);
  });
});
