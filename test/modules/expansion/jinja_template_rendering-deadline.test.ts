import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureTemplatePool, getTemplatePool } from "../../../src/engines/jinja/pool.js";
import { roaming, startTestApp, type TestApp } from "../../helpers/app.js";

// Runaway templates through the real server. With default settings the engine's own limits stop
// them; then engine limits are raised through the module's settings so that only the clocks can.
// This file runs in its own process (vitest forks), so these settings do not leak into other suites.

const RUNAWAY = "{% for i in range(10**6) %}{% for j in range(10**6) %}{% endfor %}{% endfor %}";
const RAISED_ENGINE_LIMITS = { max_range_size: "1000000000", max_loop_iterations: "1000000000000000" };

let t: TestApp;

/** Starts the app with these module settings for the enclosing describe block. */
function appWithSettings(settings: Record<string, string>): void {
  beforeAll(async () => {
    t = await startTestApp({ modules: { jinja_template_rendering: settings } });
  });
  afterAll(async () => {
    await t.close();
    // Back to default pool options (closing its threads) for the next block.
    await configureTemplatePool({});
  });
}

function renderQuery(template: string, data: unknown, extra: Record<string, unknown> = {}) {
  return t.query({ module: "jinja_template_rendering", text: JSON.stringify({ template, data }), ...extra });
}

/** Polls /healthcheck every 10 ms until `until` settles; returns each answer's latency in ms. */
async function healthcheckLatencies(until: Promise<unknown>): Promise<number[]> {
  let settled = false;
  void until.finally(() => (settled = true));
  const latencies: number[] = [];
  while (!settled) {
    const before = performance.now();
    const res = await fetch(`${t.url}/healthcheck`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: boolean }).status).toBe(true);
    latencies.push(performance.now() - before);
    await new Promise((r) => setTimeout(r, 10));
  }
  return latencies;
}

/**
 * Runs `start()` while polling /healthcheck and asserts every answer came within 100 ms. On a
 * machine too loaded to meet that even when idle, the slowest answer of an idle baseline (same
 * polling, nothing rendering) is added as allowance, and a scenario may be repeated up to three
 * times. A render blocking the event loop fails every attempt: it would push answers to the time
 * limit (hundreds of ms) and beyond.
 */
async function expectResponsiveDuring<T>(start: () => Promise<T>): Promise<T> {
  const report: string[] = [];
  for (let attempt = 1; ; attempt++) {
    const idle = await healthcheckLatencies(new Promise((r) => setTimeout(r, 1000)));
    const work = start();
    const busy = await healthcheckLatencies(work);
    expect(busy.length).toBeGreaterThan(0);
    const bound = 100 + Math.max(...idle);
    report.push(`idle max ${Math.max(...idle).toFixed(0)} ms, busy max ${Math.max(...busy).toFixed(0)} ms`);
    if (Math.max(...busy) < bound || attempt === 3) {
      expect(Math.max(...busy), report.join("; ")).toBeLessThan(bound);
      return work;
    }
  }
}

describe("the module's time limit", () => {
  appWithSettings({ workers: "2", timeout_ms: "700", ...RAISED_ENGINE_LIMITS });

  it("uses the pool settings given to the module", async () => {
    await renderQuery("warm", {});
    expect(getTemplatePool().stats().workers).toBe(2);
  });

  it("stops a runaway render at the module's time limit while /healthcheck stays under 100 ms", async () => {
    let started = 0;
    const reply = await expectResponsiveDuring(() => {
      started = performance.now();
      return renderQuery(RUNAWAY, roaming("event-publish-tlp-red"));
    });
    const elapsed = performance.now() - started;
    expect(reply.status).toBe(200);
    expect(reply.body.results).toEqual([{ types: ["text"], values: [""] }]);
    expect(reply.body.error).toMatch(/time limit of 700 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(650);
    expect(elapsed).toBeLessThan(2500);
    // The killed thread was replaced: rendering goes on.
    const after = await renderQuery("{{ Event.info }}", roaming("event-publish-tlp-red"));
    expect(after.body).toEqual({ results: [{ types: ["text"], values: ["Ransomware C2 infrastructure observed in phishing wave"] }] });
    expect(getTemplatePool().stats().workers).toBe(2);
  });

  it("keeps several runaway renders from blocking the server", async () => {
    await renderQuery("warm", {});
    const replies = await expectResponsiveDuring(() => Promise.all([1, 2, 3, 4].map(() => renderQuery(RUNAWAY, {}))));
    for (const reply of replies) {
      expect(reply.body.results).toEqual([{ types: ["text"], values: [""] }]);
      expect(reply.body.error).toMatch(/time limit/);
    }
  });
});

describe("the core's deadline", () => {
  appWithSettings({ workers: "1", timeout_ms: "5000", ...RAISED_ENGINE_LIMITS });

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
    // Had the runaway kept its thread, this render would wait for the pool's limit (~4 s more).
    expect(performance.now() - next).toBeLessThan(3000);
  });
});

describe("default settings", () => {
  appWithSettings({});

  it("stops the nested range(10**6) loops with a limit error while /healthcheck stays responsive", async () => {
    await renderQuery("warm", {});
    const example = "{% for i in range(10**6) %}{% for j in range(10**6) %}x{% endfor %}{% endfor %}";
    let started = 0;
    const reply = await expectResponsiveDuring(() => {
      started = performance.now();
      return renderQuery(example, roaming("event-publish-tlp-red"));
    });
    // Whatever stops it (engine limit or the 2 s wall clock), it is well before MISP's 10 s.
    expect(performance.now() - started).toBeLessThan(3000);
    expect(reply.status).toBe(200);
    expect(reply.body.results).toEqual([{ types: ["text"], values: [""] }]);
    expect(reply.body.error).toMatch(/limit/i);
  });
});
