import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeTemplatePool, getTemplatePool } from "../../src/lib/template/pool.js";
import { roaming, startTestApp, type TestApp } from "../helpers/app.js";

// Wall-clock limits of jinja_template_rendering through the real server. Engine limits are raised
// through the module's settings so that only the clocks can stop the runaway template; this file
// runs in its own process (vitest forks), so these settings do not leak into other suites.

const RUNAWAY = "{% for i in range(10**6) %}{% for j in range(10**6) %}{% endfor %}{% endfor %}";
const RAISED_ENGINE_LIMITS = { max_range_size: "1000000000", max_loop_iterations: "1000000000000000" };

let t: TestApp;

/** Starts the app with these module settings for the enclosing describe block. */
function appWithSettings(settings: Record<string, string>): void {
  beforeAll(async () => {
    t = await startTestApp({ modules: { jinja_template_rendering: { ...RAISED_ENGINE_LIMITS, ...settings } } });
  });
  afterAll(async () => {
    await t.close();
    await closeTemplatePool();
  });
}

function renderQuery(template: string, data: unknown, extra: Record<string, unknown> = {}) {
  return t.query({ module: "jinja_template_rendering", text: JSON.stringify({ template, data }), ...extra });
}

/** Polls /healthcheck every 10 ms until `pending` settles; returns the slowest answer in ms. */
async function slowestHealthcheckDuring(pending: Promise<unknown>): Promise<number> {
  let settled = false;
  void pending.finally(() => (settled = true));
  let slowest = 0;
  let polls = 0;
  while (!settled) {
    const before = performance.now();
    const res = await fetch(`${t.url}/healthcheck`);
    expect(res.status).toBe(200);
    await res.json();
    slowest = Math.max(slowest, performance.now() - before);
    polls++;
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(polls).toBeGreaterThan(5);
  return slowest;
}

describe("the module's time limit", () => {
  appWithSettings({ workers: "2", timeout_ms: "700" });

  it("uses the pool settings given to the module", async () => {
    await renderQuery("warm", {});
    expect(getTemplatePool().stats().workers).toBe(2);
  });

  it("stops a runaway render at the module's time limit while /healthcheck stays under 100 ms", async () => {
    const started = performance.now();
    const pending = renderQuery(RUNAWAY, roaming("event-publish-tlp-red"));
    const slowest = await slowestHealthcheckDuring(pending);
    const reply = await pending;
    const elapsed = performance.now() - started;
    expect(reply.status).toBe(200);
    expect(reply.body.results).toEqual([{ types: ["text"], values: [""] }]);
    expect(reply.body.error).toMatch(/time limit of 700 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(650);
    expect(elapsed).toBeLessThan(2500);
    expect(slowest).toBeLessThan(100);
    // The killed thread was replaced: rendering goes on.
    const after = await renderQuery("{{ Event.info }}", roaming("event-publish-tlp-red"));
    expect(after.body).toEqual({ results: [{ types: ["text"], values: ["Ransomware C2 infrastructure observed in phishing wave"] }] });
    expect(getTemplatePool().stats().workers).toBe(2);
  });

  it("keeps several runaway renders from blocking the server", async () => {
    const pending = Promise.all([1, 2, 3, 4].map(() => renderQuery(RUNAWAY, {})));
    const slowest = await slowestHealthcheckDuring(pending);
    for (const reply of await pending) {
      expect(reply.body.results).toEqual([{ types: ["text"], values: [""] }]);
      expect(reply.body.error).toMatch(/time limit/);
    }
    expect(slowest).toBeLessThan(100);
  });
});

describe("the core's deadline", () => {
  appWithSettings({ workers: "1", timeout_ms: "5000" });

  it("is answered with the module's reply shape, and the render it cut short is stopped", async () => {
    await renderQuery("warm", {});
    const started = performance.now();
    // `timeout` (seconds, reference parity) sets the core's deadline below the pool's 5 s.
    const reply = await renderQuery(RUNAWAY, {}, { timeout: 1 });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(reply.status).toBe(200);
    expect(reply.body.results).toEqual([{ types: ["text"], values: [""] }]);
    expect(reply.body.error).toMatch(/^Timeout/);
    // The only worker is free again at once (it was replaced), not after the pool's 5 s.
    const next = performance.now();
    const after = await renderQuery("{{ x }}", { x: "next" });
    expect(after.body).toEqual({ results: [{ types: ["text"], values: ["next"] }] });
    expect(performance.now() - next).toBeLessThan(1500);
  });
});
