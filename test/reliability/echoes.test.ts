import { spawn, type ChildProcess } from "node:child_process";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { echoInput } from "../../src/core/echo.js";
import { boundLogLine, MAX_LOG_LINE } from "../../src/core/logger.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { freePort, waitHealthy } from "../helpers/child-server.js";

// Issue 19, finding 7: echoed input is bounded in replies and logs, every log line is bounded,
// and no log record is lost when stdout is a slowly read pipe; SIGTERM then exits promptly.

const BIG = 5 * 1024 * 1024;

describe("bounded echoes (in-process)", () => {
  let t: TestApp;
  const lines: string[] = [];
  beforeAll(async () => {
    const logs = new PassThrough();
    let rest = "";
    logs.on("data", (c: Buffer) => {
      const parts = (rest + c.toString("utf8")).split("\n");
      rest = parts.pop()!;
      lines.push(...parts.filter(Boolean));
    });
    t = await startTestApp({}, { logDestination: logs });
  }, 60_000);
  afterAll(() => t?.close());

  it("a 5 MB module name: the reply and the log line show its head and length", async () => {
    const name = "a".repeat(BIG);
    const before = lines.length;
    const res = await fetch(`${t.url}/query`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ module: name }),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text.length).toBeLessThan(400);
    expect(JSON.parse(text)).toEqual({ error: `Unknown module: "${"a".repeat(200)}…" (${BIG} chars)` });
    await new Promise((r) => setTimeout(r, 50));
    const logged = lines.slice(before);
    expect(logged.length).toBeGreaterThan(0);
    for (const l of logged) expect(l.length).toBeLessThan(2000);
    const q = logged.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === "query");
    expect(q).toMatchObject({ outcome: "unknown_module", module: `"${"a".repeat(200)}…" (${BIG} chars)` });
  });

  it("a long URL on a 404 and a huge invalid body on a 400 are echoed bounded", async () => {
    const nf = await fetch(`${t.url}/${"p".repeat(8000)}`);
    expect(nf.status).toBe(404);
    expect((await nf.text()).length).toBeLessThan(400);
    const bad = await fetch(`${t.url}/query`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: `{"module": "${"x".repeat(BIG)}`,
    });
    expect(bad.status).toBe(400);
    expect((await bad.text()).length).toBeLessThan(1200);
  });

  it("a parameter error quoting a huge value stays bounded in the reply and the log", async () => {
    const before = lines.length;
    const r = await t.query({ module: "http_webhook", data: {}, params: { url: "http://127.0.0.1:9/", expected_status: "9".repeat(BIG) } });
    expect(String(r.body.error).length).toBeLessThanOrEqual(4100);
    await new Promise((res) => setTimeout(res, 50));
    for (const l of lines.slice(before)) expect(l.length).toBeLessThanOrEqual(MAX_LOG_LINE);
  });

  it("echoInput keeps short text and never cuts a surrogate pair", () => {
    expect(echoInput("testaction")).toBe("testaction");
    const emoji = "a".repeat(199) + "😀" + "b";
    expect(echoInput(emoji)).toBe(`"${"a".repeat(199)}…" (202 chars)`);
  });

  it("boundLogLine rebuilds an oversized record as one valid, smaller JSON record", () => {
    const line =
      JSON.stringify({
        level: 40,
        time: 1,
        msg: "query",
        module: "m".repeat(1_000_000),
        nested: { err: "e".repeat(50_000), list: ["x".repeat(30_000)] },
      }) + "\n";
    const out = boundLogLine(line);
    expect(out.length).toBeLessThanOrEqual(MAX_LOG_LINE);
    expect(out.endsWith("\n")).toBe(true);
    const rec = JSON.parse(out) as Record<string, unknown>;
    expect(rec).toMatchObject({ level: 40, msg: "query", truncated: true });
    expect(String(rec.module)).toMatch(/… \(1000000 chars\)$/);
    const unparsable = boundLogLine('{"level":30,"msg":"' + "z".repeat(100_000));
    expect(JSON.parse(unparsable)).toMatchObject({ level: 30, msg: "log record too long; cut", chars: 100_019 });
    const short = '{"level":30}\n';
    expect(boundLogLine(short)).toBe(short);
  });
});

describe("logs through a slowly read pipe", () => {
  const repo = fileURLToPath(new URL("../..", import.meta.url));
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });

  it("every record arrives whole under concurrent load, and SIGTERM exits promptly", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "-l", "127.0.0.1"], {
      cwd: repo,
      env: { ...process.env, MISP_MODULES_PORT: String(port), MISP_MODULES_WATCH: "false" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    // A slow reader: after each chunk it stops reading for a few ms, so the pipe fills up.
    const chunks: Buffer[] = [];
    proc.stdout!.on("data", (c: Buffer) => {
      chunks.push(c);
      proc.stdout!.pause();
      setTimeout(() => proc.stdout!.resume(), 3);
    });
    proc.stderr!.resume();
    await waitHealthy(url, 60_000, proc);

    const post = (body: string) =>
      fetch(`${url}/query`, { method: "POST", headers: { "content-type": "application/json" }, body }).then(async (r) => ({
        status: r.status,
        text: await r.text(),
      }));
    const kinds = [
      () => JSON.stringify({ module: `unknown_${"n".repeat(100_000)}` }),
      () =>
        JSON.stringify({ module: "http_webhook", data: {}, params: { url: "http://127.0.0.1:9/", expected_status: "9".repeat(20_000) } }),
      () => JSON.stringify({ module: "testaction", data: {}, params: {} }),
    ];
    const ROUNDS = 10;
    const CONCURRENT = 30;
    let sent = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const batch = Array.from({ length: CONCURRENT }, (_, i) => post(kinds[(round + i) % kinds.length]!()));
      sent += batch.length;
      for (const r of await Promise.all(batch)) {
        expect(r.status).toBe(200);
        expect(r.text.length).toBeLessThan(4200);
      }
    }
    // One 5 MB module name in the middle of the traffic.
    const big = await post(JSON.stringify({ module: "b".repeat(BIG) }));
    sent++;
    expect(big.text.length).toBeLessThan(400);

    const stopAt = Date.now();
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    proc.kill("SIGTERM");
    const code = await exited;
    const stopMs = Date.now() - stopAt;
    // Drain what is still buffered in the pipe.
    await new Promise<void>((resolve) => (proc.stdout!.readableEnded ? resolve() : proc.stdout!.once("end", () => resolve())));
    expect(code).toBe(0);
    expect(stopMs).toBeLessThan(5000);

    const text = Buffer.concat(chunks).toString("utf8");
    expect(text.endsWith("\n")).toBe(true);
    const records = text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => {
        expect(l.length).toBeLessThanOrEqual(MAX_LOG_LINE);
        return JSON.parse(l) as Record<string, unknown>;
      });
    const queries = records.filter((r) => r.msg === "query");
    expect(queries.length).toBe(sent);
    expect(new Set(queries.map((q) => q.reqId)).size).toBe(sent);
    expect(records.some((r) => r.msg === "shutting down")).toBe(true);
  }, 120_000);
});
