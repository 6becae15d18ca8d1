import { until } from "./until.js";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { tempModuleRoot, writeModule } from "../sdk/module-files.js";

// Custom modules run in isolates (worker threads): nothing a buggy module does — a synchronous
// loop, a throw from a timer, an unhandled rejection, process.exit(), an endless allocation, a
// top-level loop or never-settling await — may freeze or end the server, because MISP lets a
// publish through when a blocking guard cannot answer. Each scenario is a module file written here.

const DEADLINE_MS = 1000;
const GRACE_MS = 250;
const HEAP_MB = 64;
const BUFFER_MB = 64;
const IMPORT_TIMEOUT_MS = 3000;
const SECRET = "s3cr3t-token-value-8812";

/** An action whose `mode` parameter picks a misbehaviour; "ok" answers normally. */
function misbehavingAction(cases: Record<string, string>): string {
  const branches = Object.entries(cases)
    .map(([mode, code]) => `if (params.mode === ${JSON.stringify(mode)}) { ${code} }`)
    .join("\n    ");
  return `import { defineActionModule, param } from "misp-modules-ts";
export default defineActionModule({
  meta: { description: "reliability test module" },
  timeoutMs: ${DEADLINE_MS},
  params: { mode: param.string({ default: "ok" }) },
  async handler({ params }, ctx) {
    if (params.mode === "ok") return { data: "alive" };
    ${branches}
    return { data: "answered" };
  },
});
`;
}

const MODULES: Record<string, string> = {
  "action/misbehaves.ts": misbehavingAction({
    loop: "for (;;) {}",
    exit: "process.exit(3);",
    kill: "process.kill(process.pid, 'SIGTERM');",
    alloc: "const keep = []; for (;;) keep.push(new Array(4096).fill(keep.length));",
    // Outside the V8 heap: 4 MB Buffers, one per event-loop turn, never let go.
    buffers: "const keep = []; for (;;) { keep.push(Buffer.alloc(4 * 1024 * 1024, 1)); await new Promise((r) => setImmediate(r)); }",
  }),
  "action/stray.ts": misbehavingAction({
    throw: `setTimeout(() => { throw new Error("boom from a timer with " + ctx.setting("api_token")); }, 5);`,
    reject: `Promise.reject(new Error("nobody awaits this rejection"));`,
  }),
  "action/crash_loop.ts": misbehavingAction({ exit: "process.exit(1);" }),
  "action/uses_context.ts": `import { defineActionModule, param, ModuleError } from "misp-modules-ts";
export default defineActionModule({
  meta: { description: "context inside the isolate" },
  timeoutMs: ${DEADLINE_MS},
  params: { mode: param.string({ default: "setting" }), token: param.secret() },
  async init() { await new Promise((r) => setTimeout(r, 10)); },
  async handler({ params, data }, ctx) {
    if (params.mode === "setting") return { data: { greeting: ctx.setting("greeting"), secret: ctx.resolveSecret("secret:PROBE") === "${SECRET}", echo: data } };
    if (params.mode === "log") { ctx.log.info({ marker: "from-the-isolate", password: "hunter2-pw" }, "isolated module logs"); return; }
    if (params.mode === "signal") {
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
      throw new ModuleError("aborted: " + String(ctx.signal.reason?.message));
    }
    if (params.mode === "leak") throw new ModuleError("refused with " + params.token);
    if (params.mode === "bigint") return { data: 10n };
    return { data: "?" };
  },
});
`,
  "expansion/slow_lookup.ts": `import { defineExpansionModule } from "misp-modules-ts";
export default defineExpansionModule({
  meta: { description: "expansion that loops" },
  moduleType: ["expansion"],
  input: ["domain"],
  timeoutMs: ${DEADLINE_MS},
  handler({ request }) {
    if (request.domain === "loop.example") for (;;) {}
    return { results: [{ types: ["text"], values: ["seen " + request.domain] }] };
  },
});
`,
  "expansion/shaped_errors.ts": `import { defineExpansionModule } from "misp-modules-ts";
export default defineExpansionModule({
  meta: { description: "expansion with its own error shape" },
  moduleType: ["hover"],
  input: ["domain"],
  timeoutMs: ${DEADLINE_MS},
  errorReply: (message) => ({ error: "lookup failed: " + message, results: [], shaped: true }),
  handler({ request }) {
    if (request.domain === "loop.example") for (;;) {}
    return { results: [] };
  },
});
`,
};

function capture() {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on("data", (c: Buffer) => lines.push(...c.toString("utf8").split("\n").filter(Boolean)));
  return { stream, lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await f();
  return { value, ms: performance.now() - t0 };
}

describe("custom modules cannot stop the server", () => {
  const tmp = tempModuleRoot("mmts-reliability-");
  const cap = capture();
  let t: TestApp;

  beforeAll(async () => {
    for (const [path, source] of Object.entries(MODULES)) writeModule(tmp.root, path, source);
    t = await startTestApp(
      {
        custom: [tmp.root],
        watch: true,
        isolation: {
          heapMb: HEAP_MB,
          bufferMb: BUFFER_MB,
          importTimeoutMs: IMPORT_TIMEOUT_MS,
          watchdogGraceMs: GRACE_MS,
          maxRestartDelayMs: 2000,
        },
        modules: { stray: { api_token: SECRET }, uses_context: { greeting: "hello from config" } },
      },
      { env: { MISP_MODULES_SECRET_PROBE: SECRET }, logDestination: cap.stream },
    );
  });
  afterAll(async () => {
    await t?.close();
    tmp.remove();
  });

  const act = (module: string, mode: string, extra: Record<string, unknown> = {}) =>
    t.query({ module, data: { Event: { id: "1" } }, params: { mode, ...extra } });
  const health = async () =>
    (await (await fetch(`${t.url}/healthcheck`)).json()) as {
      status: boolean;
      modules: {
        failed: Array<{ name?: string; error: string }>;
        isolated: Array<{ name: string; state: string; restarts: number; lastError?: string }>;
      };
    };
  /** /healthcheck latencies while `work` runs. */
  async function healthDuring<T>(work: Promise<T>): Promise<{ result: T; latencies: number[] }> {
    const latencies: number[] = [];
    let done = false;
    const poller = (async () => {
      while (!done) {
        const { ms, value } = await timed(() => fetch(`${t.url}/healthcheck`).then((r) => r.status));
        expect(value).toBe(200);
        latencies.push(ms);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const result = await work;
    done = true;
    await poller;
    return { result, latencies };
  }
  /** The module answers normally again (after its isolate was replaced). */
  const worksAgain = (module: string) => until(`${module} works again`, async () => (await act(module, "ok")).body.data === "alive");

  it("serves the well-behaved modules, isolated, with their declared descriptors", async () => {
    expect((await health()).modules.failed).toEqual([]);
    const listed = (await (await fetch(`${t.url}/modules`)).json()) as Array<{ name: string; meta: Record<string, unknown> }>;
    const names = listed.map((m) => m.name);
    expect(names).toEqual(
      expect.arrayContaining(["misbehaves", "stray", "crash_loop", "uses_context", "slow_lookup", "shaped_errors", "testaction"]),
    );
    expect(listed.find((m) => m.name === "uses_context")!.meta.config).toMatchObject({
      params: { mode: { type: "string" }, token: { type: "string" } },
    });
    const h = await health();
    expect(h.modules.isolated.map((i) => i.name)).toEqual(expect.arrayContaining(["misbehaves", "uses_context"]));
    expect(h.modules.isolated.map((i) => i.name)).not.toContain("testaction");
  });

  it("a synchronous loop in a handler: error naming the module and its deadline, server responsive, module restarted", async () => {
    const { result, latencies } = await healthDuring(timed(() => act("misbehaves", "loop")));
    expect(result.value.status).toBe(200);
    expect(result.value.body.error).toBe(
      `misbehaves: Timeout. misbehaves did not finish within its deadline of ${DEADLINE_MS} ms; its isolate did not answer and was restarted`,
    );
    expect(result.ms).toBeGreaterThanOrEqual(DEADLINE_MS);
    expect(result.ms).toBeLessThan(DEADLINE_MS + GRACE_MS + 1500);
    expect(latencies.length).toBeGreaterThan(5);
    expect(Math.max(...latencies)).toBeLessThan(750);
    expect((await t.query({ module: "testaction", data: {}, params: {} })).body).toEqual({ data: true });
    await worksAgain("misbehaves");
    expect((await health()).modules.isolated.find((i) => i.name === "misbehaves")).toMatchObject({
      state: "running",
      restarts: 1,
      lastError: expect.stringMatching(/deadline of 1000 ms/),
    });
  });

  it("an expansion stuck in a loop gets the expansion error shape, or its own errorReply", async () => {
    const [plain, shaped] = await Promise.all([
      t.query({ module: "slow_lookup", domain: "loop.example" }),
      t.query({ module: "shaped_errors", domain: "loop.example" }),
    ]);
    expect(plain.body).toEqual({
      error: `Timeout. slow_lookup did not finish within its deadline of ${DEADLINE_MS} ms; its isolate did not answer and was restarted`,
      results: [],
    });
    expect(shaped.body).toEqual({
      error: `lookup failed: Timeout. shaped_errors did not finish within its deadline of ${DEADLINE_MS} ms; its isolate did not answer and was restarted`,
      results: [],
      shaped: true,
    });
    await until(
      "slow_lookup back",
      async () => ((await t.query({ module: "slow_lookup", domain: "a.example" })).body.results as unknown[] | undefined)?.length === 1,
    );
  });

  it("a throw from a timer and an unhandled rejection: the query is answered, logged without secrets, the isolate keeps serving", async () => {
    expect((await act("stray", "throw")).body).toEqual({ data: "answered" });
    expect((await act("stray", "reject")).body).toEqual({ data: "answered" });
    await until("stray errors logged", async () => cap.json().filter((l) => /outside a query|unhandled/.test(String(l.msg))).length >= 2);
    const stray = cap.json().filter((l) => /outside a query|unhandled/.test(String(l.msg)));
    expect(stray.find((l) => /boom/.test(String(l.err)))).toMatchObject({
      module: "stray",
      err: expect.stringMatching(/boom from a timer with \*\*\*/),
    });
    expect(stray.find((l) => /nobody awaits/.test(String(l.err)))).toMatchObject({ module: "stray" });
    expect(cap.lines.join("\n")).not.toContain(SECRET);
    expect((await act("stray", "ok")).body).toEqual({ data: "alive" });
    // Not restarted: a stray error does not cost the other queries of the isolate.
    expect((await health()).modules.isolated.find((i) => i.name === "stray")!.restarts).toBe(0);
  });

  it("process.exit() ends the isolate only: error naming the module, next query works", async () => {
    const r = await act("misbehaves", "exit");
    expect(r.body.error).toMatch(
      /^misbehaves: the module's isolate stopped before this query finished: the module ended its isolate \(process\.exit\(3\)\?\)$/,
    );
    expect((await t.query({ module: "testaction", data: {}, params: {} })).body).toEqual({ data: true });
    await worksAgain("misbehaves");
  });

  it("signalling the server's own process from a module is refused", async () => {
    const r = await act("misbehaves", "kill");
    expect(r.body.error).toMatch(/^misbehaves: internal error: misp-modules-ts: a module may not signal the server's own process/);
    expect((await health()).status).toBe(true);
  });

  it("endless allocation hits the heap limit of the isolate, not the server", async () => {
    const rssBefore = process.memoryUsage().rss;
    // A longer deadline (body `timeout`: 5 s, less the margin) so the heap limit, not the watchdog, ends it.
    const { result, latencies } = await healthDuring(
      timed(() => t.query({ module: "misbehaves", data: {}, params: { mode: "alloc" }, timeout: 5 })),
    );
    expect(result.value.body.error).toBe(
      `misbehaves: the module's isolate stopped before this query finished: the module ran out of memory (limit: ${HEAP_MB} MB of heap per isolate)`,
    );
    expect(result.ms).toBeLessThan(4000);
    expect(Math.max(...latencies)).toBeLessThan(1500);
    // The isolate's heap is gone with it.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(HEAP_MB * 4 * 1024 * 1024);
    await worksAgain("misbehaves");
  });

  it("endless Buffers (outside the heap) hit the isolate's Buffer bound, not the server", async () => {
    const rssBefore = process.memoryUsage().rss;
    const { result, latencies } = await healthDuring(
      timed(() => t.query({ module: "misbehaves", data: {}, params: { mode: "buffers" }, timeout: 5 })),
    );
    expect(result.value.body.error).toMatch(
      new RegExp(
        `^misbehaves: the module's isolate stopped before this query finished: the module held \\d+ MB of Buffers outside its heap \\(limit: ${BUFFER_MB} MB per isolate\\)$`,
      ),
    );
    // Stopped by the bound (checked every 100 ms), not by the deadline's watchdog.
    expect(result.ms).toBeLessThan(4000);
    expect(Math.max(...latencies)).toBeLessThan(1500);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(BUFFER_MB * 4 * 1024 * 1024);
    await worksAgain("misbehaves");
  });

  it("an isolate that keeps crashing is restarted with growing pauses and shown in /healthcheck meanwhile", async () => {
    const replies: string[] = [];
    // Pauses of 0, 250, 500, 1000 ms...: by the fifth crash the pause outlasts the 1 s deadline.
    for (let i = 0; i < 6; i++) {
      const r = await act("crash_loop", "exit");
      replies.push(String(r.body.error));
    }
    expect(replies[0]).toMatch(/^crash_loop: the module's isolate stopped before this query finished/);
    // While it waits to restart, queries are refused at once with the reason, and /healthcheck lists it.
    expect(replies.some((e) => /restarting after \d+ crash\(es\) in a row/.test(e))).toBe(true);
    const h = await health();
    const iso = h.modules.isolated.find((i) => i.name === "crash_loop")!;
    expect(iso.lastError).toMatch(/process\.exit\(1\)/);
    if (iso.state !== "running")
      expect(h.modules.failed.some((f) => f.name === "crash_loop" && /isolate (waiting to restart|restarting)/.test(f.error))).toBe(true);
    await worksAgain("crash_loop");
  });

  it("the module context works in the isolate: settings, secrets, init, logs, deadline signal, scrubbing", async () => {
    expect((await act("uses_context", "setting")).body).toEqual({
      data: { greeting: "hello from config", secret: true, echo: { Event: { id: "1" } } },
    });
    expect((await act("uses_context", "log")).body).toEqual({ data: true });
    const line = await until("forwarded log line", async () => cap.json().find((l) => l.msg === "isolated module logs"));
    expect(line).toMatchObject({ module: "uses_context", marker: "from-the-isolate", password: "[redacted]", reqId: expect.any(String) });
    const aborted = await act("uses_context", "signal");
    expect(aborted.body.error).toBe(`uses_context: Timeout. uses_context did not finish within its deadline of ${DEADLINE_MS} ms`);
    expect((await act("uses_context", "leak", { token: "secret:PROBE" })).body).toEqual({ error: "uses_context: refused with ***" });
    expect((await act("uses_context", "bigint")).body.error).toMatch(/^uses_context: .*(BigInt|JSON)/i);
    // The abort fired in time: the isolate was not restarted by the watchdog.
    expect((await health()).modules.isolated.find((i) => i.name === "uses_context")!.restarts).toBe(0);
  });
});
