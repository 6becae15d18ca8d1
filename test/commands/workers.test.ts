import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseExposition, valueOf } from "../core/metrics/prometheus-text.js";
import { mispPost } from "../console/helpers.js";
import { freePort, waitHealthy } from "../helpers/child-server.js";

// --workers 2 (docs/operations-runtime.md, "Workers"): the real CLI, two processes on one port,
// a killed worker replaced, /metrics summed over the workers, and one debug listener (worker 1's).

const repo = fileURLToPath(new URL("../..", import.meta.url));
const CLI = ["--import", "tsx", "src/cli.ts"];

/** GET on a fresh connection each time, so that the cluster may hand it to any worker. */
function getFresh(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // A connection handed to a worker as it is killed is never answered: bounded.
    const req = get(url, { agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("no answer")));
    req.on("error", reject);
  });
}

async function pidOf(url: string): Promise<number | undefined> {
  try {
    const r = await getFresh(`${url}/healthcheck`);
    return (JSON.parse(r.body) as { process?: { pid: number; worker?: number } }).process?.pid;
  } catch {
    return undefined;
  }
}

/** Posts until the listener answers 200, or the time is up. */
async function listenerAnswers(port: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // MISP's post; one handed to a worker as it is killed may never be answered: bounded.
    const post = mispPost(`http://127.0.0.1:${port}`, "/event-publish/init?type=blocking", { source: {}, timestamp: "", data: {} });
    const status = await Promise.race([
      post.then(
        (r) => r.status,
        () => 0,
      ),
      new Promise<number>((r) => setTimeout(() => r(0), 5000)),
    ]);
    if (status === 200) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Asks until `want` distinct pids answered (besides `except`), or the time is up. */
async function pidsSeen(url: string, want: number, ms: number, except: Set<number> = new Set()): Promise<Set<number>> {
  const seen = new Set<number>();
  const until = Date.now() + ms;
  while (seen.size < want && Date.now() < until) {
    const pid = await pidOf(url);
    if (pid !== undefined && !except.has(pid)) seen.add(pid);
    else await new Promise((r) => setTimeout(r, 50));
  }
  return seen;
}

describe("--workers 2", () => {
  let child: ChildProcess;
  let url: string;
  let out = "";
  let listenPort = 0;
  const dataDir = mkdtempSync(join(tmpdir(), "mmts-workers-"));
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    listenPort = await freePort();
    const args = [
      "--workers",
      "2",
      "-l",
      "127.0.0.1",
      "-p",
      String(port),
      "--data-dir",
      dataDir,
      "--debug-listen",
      `127.0.0.1:${listenPort}`,
    ];
    child = spawn(process.execPath, [...CLI, ...args], {
      cwd: repo,
      env: { ...process.env, MISP_MODULES_WATCH: "false" },
    });
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    await waitHealthy(url, 150_000, child);
  }, 160_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGKILL");
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers from two processes, replaces a killed one, sums /metrics, and stops on SIGTERM", async () => {
    // Both workers up: answers from two pids, neither the primary's.
    const first = await pidsSeen(url, 2, 120_000);
    expect(first.size, out).toBe(2);
    expect(first.has(child.pid!)).toBe(false);

    // One debug listener for both (worker 1's): it answers, and no worker died on a second bind.
    expect(await listenerAnswers(listenPort, 20_000), out).toBe(true);
    expect(out).not.toMatch(/EADDRINUSE|worker exited/);

    // /metrics: the sum over both workers of the queries just made.
    const before = parseExposition((await getFresh(`${url}/metrics`)).body);
    const n = 6;
    for (let i = 0; i < n; i++) {
      const r = await fetch(`${url}/query`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ module: "no_such_module" }),
      });
      expect(r.status).toBe(200);
    }
    const scrape = await getFresh(`${url}/metrics`);
    expect(scrape.status).toBe(200);
    const after = parseExposition(scrape.body);
    const q = { module: "(unknown)", outcome: "unknown_module" };
    expect(valueOf(after, "misp_modules_queries_total", q) - valueOf(before, "misp_modules_queries_total", q)).toBe(n);
    // Histograms are summed too, bucket by bucket.
    const count = (s: typeof after) => valueOf(s, "misp_modules_query_duration_seconds_count", { module: "(unknown)" });
    const inf = (s: typeof after) => valueOf(s, "misp_modules_query_duration_seconds_bucket", { module: "(unknown)", le: "+Inf" });
    expect(count(after) - count(before)).toBe(n);
    expect(inf(after) - inf(before)).toBe(n);

    // A worker killed: another process takes its place.
    const [victim] = [...first];
    process.kill(victim!, "SIGKILL");
    const replacement = await pidsSeen(url, 1, 120_000, first);
    expect(replacement.size, out).toBe(1);
    // Whichever worker died, the listener is there again (worker 1's replacement binds it anew).
    expect(await listenerAnswers(listenPort, 60_000), out).toBe(true);

    // SIGTERM to the primary: the workers shut down and the primary exits 0.
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 300_000);
});
