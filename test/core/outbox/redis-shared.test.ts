import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, waitHealthy } from "../../helpers/child-server.js";
import { haveRedis, redisNotice, startRedis, type RedisServer } from "../../helpers/redis-server.js";
import { startStandIn, type StandIn } from "../../helpers/stand-in.js";
import { until } from "../../reliability/until.js";
import { webhookQuery } from "./helpers.js";

// Several servers on one Redis share one outbox (docs/delivery.md): each job is delivered by one
// of them, once; when one dies with jobs in flight, another takes them after the lease.

const REPO = fileURLToPath(new URL("../../..", import.meta.url));
const children: ChildProcess[] = [];
let redis: RedisServer | undefined;
let hook: StandIn | undefined;
let dir = "";

redisNotice("the shared Redis outbox tests");

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await hook?.close();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function startServer(configFile: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli.ts", "-p", String(port), "-l", "127.0.0.1", "--no-console", "--config", configFile, "--redis", redis!.url],
    {
      cwd: REPO,
      env: { ...process.env, MISP_MODULES_WATCH: "false" },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, 60_000, child);
  return { child, url };
}

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${url}/query`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return res.json();
}

/** Webhook ids received per message text. */
function idsByMessage(s: StandIn): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const q of s.requests) {
    const info = (JSON.parse(q.body) as { Event: { info: string } }).Event.info;
    m.set(info, [...(m.get(info) ?? []), String(q.headers["webhook-id"])]);
  }
  return m;
}

describe.skipIf(!haveRedis)("two servers on one Redis", { timeout: 120_000 }, () => {
  it("deliver each job exactly once between them, and take over the jobs of one killed with -9", async () => {
    redis = await startRedis();
    hook = await startStandIn({ handler: () => new Promise((r) => setTimeout(() => r({ status: 200, body: "ok" }), 300)) });
    dir = mkdtempSync(join(tmpdir(), "outbox-redis-"));
    const configFile = join(dir, "config.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        outbox: { pollMs: 50, leaseMs: 3000, retryScheduleMs: [200], destinationConcurrency: 4 },
        modules: { http_webhook: { delivery: "queued" } },
      }),
    );
    const [a, b] = await Promise.all([startServer(configFile), startServer(configFile)]);

    // Phase 1: no failure. Requests alternate between the servers; each arrives once.
    const N = 16;
    for (let i = 0; i < N; i++)
      expect(await post(i % 2 ? a.url : b.url, webhookQuery(`${hook.url}/in`, {}, { Event: { info: `one ${i}` } }))).toEqual({
        data: true,
      });
    await until("all delivered", async () => hook!.requests.length >= N, 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    const once = idsByMessage(hook);
    expect(once.size).toBe(N);
    for (const [info, ids] of once) expect(ids, info).toHaveLength(1);
    expect(new Set([...once.values()].flat()).size).toBe(N);

    // Phase 2: server a dies with deliveries in flight; b delivers what a held.
    hook.reset();
    const M = 12;
    for (let i = 0; i < M; i++)
      expect(await post(a.url, webhookQuery(`${hook.url}/in`, {}, { Event: { info: `two ${i}` } }))).toEqual({ data: true });
    await until("in flight", async () => hook!.requests.length >= 1);
    a.child.kill("SIGKILL");
    await until("every message of the dead server delivered", async () => idsByMessage(hook!).size === M, 60_000);
    for (const [info, ids] of idsByMessage(hook)) expect(new Set(ids).size, info).toBe(1);
    b.child.kill("SIGTERM");
  });
});
