import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { outboxList, outboxPurge, outboxRetry } from "../../../src/commands/outbox.js";
import { freePort, waitHealthy } from "../../helpers/child-server.js";
import { failures, startStandIn, type StandIn } from "../../helpers/stand-in.js";
import { until } from "../../reliability/until.js";
import { startOutboxApp, webhookQuery, type OutboxApp } from "./helpers.js";

// At-least-once across a crash (docs/delivery.md, "Crashes"): a server killed with SIGKILL while
// deliveries are in flight leaves them leased in the store; the next server on the same data
// directory takes them again once the lease runs out. Every message arrives; a message that
// arrives twice carries the same webhook-id both times.

const REPO = fileURLToPath(new URL("../../..", import.meta.url));
const children: ChildProcess[] = [];
const dirs: string[] = [];
let hook: StandIn | undefined;
let app: OutboxApp | undefined;

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await hook?.close();
  await app?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function startServer(port: number, dataDir: string, configFile: string): ChildProcess {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli.ts", "-p", String(port), "-l", "127.0.0.1", "--data-dir", dataDir, "--no-console", "--config", configFile],
    {
      cwd: REPO,
      env: { ...process.env, MISP_MODULES_WATCH: "false" },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  children.push(child);
  return child;
}

function sink(): { stream: Writable; text: () => string } {
  let out = "";
  return {
    stream: new Writable({
      write(chunk, _enc, done) {
        out += String(chunk);
        done();
      },
    }),
    text: () => out,
  };
}

describe("outbox crash recovery", { timeout: 120_000 }, () => {
  it("delivers every message after kill -9 with jobs in flight; duplicates keep their id", async () => {
    const COUNT = 12;
    // Slow receiver: each request takes 800 ms, so several are in flight at the kill.
    hook = await startStandIn({ handler: () => new Promise((r) => setTimeout(() => r({ status: 200, body: "ok" }), 800)) });
    const dataDir = mkdtempSync(join(tmpdir(), "outbox-crash-"));
    dirs.push(dataDir);
    const configFile = join(dataDir, "config.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        outbox: { pollMs: 50, leaseMs: 2500, retryScheduleMs: [200], destinationConcurrency: 3 },
        modules: { http_webhook: { delivery: "queued" } },
      }),
    );
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const first = startServer(port, dataDir, configFile);
    await waitHealthy(url, 60_000, first);
    for (let i = 0; i < COUNT; i++) {
      const res = await fetch(`${url}/query`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(webhookQuery(`${hook.url}/in`, {}, { Event: { info: `message ${i}` } })),
      });
      expect(await res.json()).toEqual({ data: true });
    }
    await until("deliveries in flight", async () => hook!.requests.length >= 2);
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    const beforeRestart = hook.requests.length;
    expect(beforeRestart).toBeLessThan(COUNT);

    const second = startServer(port, dataDir, configFile);
    await waitHealthy(url, 60_000, second);
    const byMessage = new Map<string, Set<string>>();
    await until(
      "every message delivered",
      async () => {
        byMessage.clear();
        for (const q of hook!.requests) {
          const info = (JSON.parse(q.body) as { Event: { info: string } }).Event.info;
          const ids = byMessage.get(info) ?? new Set();
          ids.add(String(q.headers["webhook-id"]));
          byMessage.set(info, ids);
        }
        return byMessage.size === COUNT;
      },
      60_000,
    );
    // Same message, same id, however often it arrived.
    for (const ids of byMessage.values()) expect(ids.size).toBe(1);
    const allIds = new Set([...byMessage.values()].map((s) => [...s][0]));
    expect(allIds.size).toBe(COUNT);
    // The second server marks them delivered; the CLI reads the same store next to it.
    await until(
      "all marked delivered",
      async () => {
        const out = sink();
        await outboxList({ dataDir, all: true, json: true, limit: "100" }, { stdout: out.stream, env: {} });
        const list = JSON.parse(out.text()) as { jobs: Array<{ state: string }> };
        return list.jobs.length === COUNT && list.jobs.every((j) => j.state === "delivered");
      },
      30_000,
    );
    second.kill("SIGTERM");
    await new Promise((r) => second.once("exit", r));
  });

  it("lists dead letters with their attempts on the CLI and replays them with `outbox retry`", async () => {
    const receiver = await startStandIn();
    try {
      receiver.script(failures.notFound("hook removed"));
      app = await startOutboxApp({ modules: { http_webhook: { delivery: "queued" } } });
      await app.query(webhookQuery(`${receiver.url}/in`));
      const dead = await until("dead letter listed", async () => {
        const out = sink();
        await outboxList({ dataDir: app!.dataDir, dead: true }, { stdout: out.stream, env: {} });
        return /\tdead /.test(out.text()) ? out.text() : undefined;
      });
      expect(dead).toMatch(/dead 1/);
      expect(dead).toMatch(/#1 .* HTTP 404 dead: .*404/);
      expect(dead).toMatch(/\| hook removed/);
      const id = /^(msg_[0-9a-f]{32})\t/m.exec(dead)![1]!;
      const retried = sink();
      await outboxRetry(id, { dataDir: app.dataDir }, { stdout: retried.stream, env: {} });
      expect(retried.text()).toBe("1 dead letter queued again\n");
      await until("replayed by the running server", async () => receiver.requests.length >= 2);
      expect(receiver.requests[1]!.headers["webhook-id"]).toBe(id);
      await expect(outboxRetry("msg_nope", { dataDir: app.dataDir }, { stdout: sink().stream, env: {} })).rejects.toThrow(
        /no dead letter msg_nope/,
      );
      const purged = sink();
      await until("delivered", async () => {
        const out = sink();
        await outboxList({ dataDir: app!.dataDir, all: true, json: true }, { stdout: out.stream, env: {} });
        return (JSON.parse(out.text()) as { jobs: Array<{ state: string }> }).jobs[0]?.state === "delivered";
      });
      await outboxPurge({ dataDir: app.dataDir, delivered: true }, { stdout: purged.stream, env: {} });
      expect(purged.text()).toBe("1 record removed\n");
    } finally {
      await receiver.close();
    }
  });
});
