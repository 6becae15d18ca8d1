import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, waitHealthy } from "../../helpers/child-server.js";
import { haveRedis, redisNotice, startRedis, type RedisServer } from "../../helpers/redis-server.js";
import { nodeRequest } from "./guard-helpers.js";

// Two server processes on one Redis share the guards' state (docs/guards.md): a key passes
// once_guard on one server only, and rate_guard's limit holds for both together. With Redis gone
// the guards fail closed.

const REPO = fileURLToPath(new URL("../../..", import.meta.url));
const ONCE = ["subject", "subject_path", "window", "guard_name", "message"];
const RATE = ["subject", "subject_path", "limit", "window", "guard_name", "message"];
const children: ChildProcess[] = [];
let redis: RedisServer | undefined;
let dir = "";

redisNotice("the guards-on-Redis tests");

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function startServer(): Promise<string> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli.ts", "-p", String(port), "-l", "127.0.0.1", "--no-console", "--redis", redis!.url],
    { cwd: REPO, env: { ...process.env, MISP_MODULES_WATCH: "false", MISP_MODULES_DATA_DIR: dir }, stdio: ["ignore", "ignore", "ignore"] },
  );
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, 120_000, child);
  return url;
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/query`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}

describe.skipIf(!haveRedis)("once_guard and rate_guard on one Redis shared by two servers", { timeout: 240_000 }, () => {
  it("share keys and counts between the servers, and fail closed without Redis", async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), "guards-redis-"));
    const [a, b] = await Promise.all([startServer(), startServer()]);
    const data = { Event: { id: "7", uuid: "5f3c1b2a-0000-4000-8000-00000000abcd", info: "shared" } };
    const servers = [a!, b!];

    // once_guard: 12 concurrent runs of one key spread over both servers → one passes.
    const once = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        post(servers[i % 2]!, nodeRequest("once_guard", ONCE, { subject: "onion-1", guard_name: "shared" }, data)),
      ),
    );
    expect(once.filter((r) => r.data === true)).toHaveLength(1);
    for (const r of once.filter((r) => r.data !== true)) expect(r.error).toMatch(/^once_guard: already ran for key "onion-1"/);

    // rate_guard: limit 4 per key for both servers together.
    const rate = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        post(servers[i % 2]!, nodeRequest("rate_guard", RATE, { subject_path: "Event.uuid", limit: "4", guard_name: "shared" }, data)),
      ),
    );
    expect(rate.filter((r) => r.data === true)).toHaveLength(4);

    // Keys are stored hashed: the rendered subject never appears in Redis.
    const { Redis } = await import("ioredis");
    const c = new Redis(redis.url);
    const keys = await c.keys("*guard*");
    await c.quit();
    expect(keys.length).toBe(2);
    for (const k of keys) expect(k).toMatch(/^misp-modules-ts:guard:(once|rate):[0-9a-f]{64}$/);

    // Redis gone: both guards answer an error (fail closed).
    await redis.stop();
    redis = undefined;
    const down = await post(a!, nodeRequest("once_guard", ONCE, { subject: "onion-2" }, data));
    expect(down.error).toMatch(/^once_guard: guard state unavailable: .*; failing closed: the run stops here/);
    const downRate = await post(b!, nodeRequest("rate_guard", RATE, { subject: "x" }, data));
    expect(downRate.error).toMatch(/^rate_guard: guard state unavailable: /);
  });
});
