import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { signatureV1 } from "../../../src/modules/shared/messages/standard-webhooks.js";
import type { Outbox } from "../../../src/core/outbox/outbox.js";
import type { JobView } from "../../../src/core/outbox/types.js";
import { failures, startStandIn, type StandIn } from "../../helpers/stand-in.js";
import { until } from "../../reliability/until.js";
import type { ConfigInput } from "../../../src/core/config.js";
import { haveRedis, redisNotice, startRedis, type RedisServer } from "../../helpers/redis-server.js";
import { startOutboxApp as startApp, webhookQuery, type OutboxApp } from "./helpers.js";

// The outbox on the embedded SQLite store, end to end: MISP's query is answered once the job is
// stored; a worker delivers it to a real local endpoint through retries (docs/delivery.md).

let app: OutboxApp | undefined;
let hook: StandIn | undefined;
let redis: RedisServer | undefined;
afterEach(async () => {
  await app?.close();
  await hook?.close();
  app = hook = undefined;
  await redis?.flush();
});
afterAll(async () => {
  await redis?.stop();
});
redisNotice("the outbox's Redis backend tests");

const BACKENDS = [{ backend: "sqlite" as const }, ...(haveRedis ? [{ backend: "redis" as const }] : [])];

async function jobs(a: OutboxApp, state?: "dead" | "delivered" | "waiting"): Promise<JobView[]> {
  const backend = await (a.app.services.outbox as Outbox).open();
  return backend.list({ state, limit: 100 });
}

/** Waits until jobs in `state` exist; returns them. */
async function untilJobs(a: OutboxApp, state: "dead" | "delivered"): Promise<JobView[]> {
  return until(`a ${state} job`, async () => {
    const list = await jobs(a, state);
    return list.length > 0 ? list : undefined;
  });
}

// Each test starts a server; on a loaded machine that alone takes seconds. The same tests run
// against both backends.
describe.each(BACKENDS)("queued delivery on $backend", { timeout: 60_000 }, ({ backend }) => {
  /** An app on this backend (one redis-server for the file, flushed after each test). */
  async function startOutboxApp(config: ConfigInput = {}, env: NodeJS.ProcessEnv = {}): Promise<OutboxApp> {
    if (backend === "sqlite") return startApp(config, env);
    redis ??= await startRedis();
    return startApp({ ...config, outbox: { ...(config.outbox ?? {}), backend: "redis", redisUrl: redis.url } }, env);
  }

  it("answers MISP once stored, then delivers through failures with the same webhook-id", async () => {
    hook = await startStandIn();
    hook.script(failures.serverError(), { status: 503, body: "busy" });
    app = await startOutboxApp({ modules: { http_webhook: { delivery: "queued" } } });
    const r = await app.query(webhookQuery(`${hook.url}/in`));
    expect(r.body).toEqual({ data: true });
    await until("delivered", async () => hook!.requests.length >= 3);
    const ids = hook.requests.map((q) => q.headers["webhook-id"]);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^msg_[0-9a-f]{32}$/);
    const done = await until("job marked delivered", async () => (await jobs(app!, "delivered"))[0]);
    expect(done.attempts).toBe(3);
    expect(done.history.map((h) => [h.result, h.status])).toEqual([
      ["retry", 500],
      ["retry", 503],
      ["delivered", 200],
    ]);
    expect(done.history[1]!.excerpt).toBe("busy");
    expect(done.id).toBe(ids[0]);
  });

  it("honours Retry-After (seconds) over its own, shorter schedule", async () => {
    hook = await startStandIn();
    hook.script(failures.rateLimited(2));
    app = await startOutboxApp({ modules: { http_webhook: { delivery: "queued" } } });
    expect((await app.query(webhookQuery(`${hook.url}/in`))).body).toEqual({ data: true });
    const times: number[] = [];
    hook.handle(() => {
      times.push(Date.now());
      return { status: 204 };
    });
    const first = await until("first attempt", async () => hook!.requests.length >= 1 && Date.now());
    await until("second attempt", async () => times.length >= 1, 10_000);
    // The schedule alone would retry after ~100 ms; the endpoint asked for 2 s.
    expect(times[0]! - first).toBeGreaterThanOrEqual(1800);
  });

  it("honours Retry-After as an HTTP date", async () => {
    const times: number[] = [];
    hook = await startStandIn({
      handler: () => {
        times.push(Date.now());
        // The first answer names a date 2.5 s ahead (whole seconds: 1.5 to 2.5 s once rounded).
        return times.length === 1
          ? { status: 503, headers: { "retry-after": new Date(Date.now() + 2500).toUTCString() }, body: "maintenance" }
          : { status: 200 };
      },
    });
    app = await startOutboxApp({ modules: { http_webhook: { delivery: "queued" } } });
    await app.query(webhookQuery(`${hook.url}/in`));
    await until("second attempt", async () => times.length >= 2, 10_000);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1400);
  });

  it("keeps trying while the endpoint is down and delivers once it is back", async () => {
    const probe = await startStandIn();
    const port = probe.port;
    await probe.close();
    app = await startOutboxApp({ modules: { http_webhook: { delivery: "queued" } }, outbox: { maxAttempts: 40 } });
    expect((await app.query(webhookQuery(`http://127.0.0.1:${port}/in`))).body).toEqual({ data: true });
    await until("a few refused attempts", async () => {
      const [j] = await jobs(app!, "waiting");
      return j && j.history.length >= 2 ? j : undefined;
    });
    const [waiting] = await jobs(app, "waiting");
    expect(waiting!.history[0]!.error).toMatch(/connection refused/);
    expect(waiting!.history[0]!.status).toBeUndefined();
    // Back on the same port.
    const { createServer } = await import("node:http");
    const got: string[] = [];
    const server = createServer((req, res) => {
      got.push(String(req.headers["webhook-id"]));
      res.writeHead(200).end("ok");
    });
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    try {
      await until("delivered after the outage", async () => got.length >= 1);
      const [done] = await untilJobs(app!, "delivered");
      expect(done!.id).toBe(got[0]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("puts permanent failures straight into dead letters with the attempt, and replays them", async () => {
    hook = await startStandIn();
    hook.script(failures.notFound("no such hook"));
    app = await startOutboxApp({ modules: { http_webhook: { delivery: "queued" } } });
    await app.query(webhookQuery(`${hook.url}/in`));
    const [dead] = await untilJobs(app!, "dead");
    expect(dead!.attempts).toBe(1);
    expect(dead!.history).toHaveLength(1);
    expect(dead!.history[0]).toMatchObject({ result: "dead", status: 404, excerpt: "no such hook" });
    expect(dead!.history[0]!.error).toMatch(/404.*\[HTTP 404\]/);
    expect(hook.requests).toHaveLength(1);
    // The admin fixed the receiver: replay.
    const backend = await (app.app.services.outbox as Outbox).open();
    expect(await backend.retry({ allDead: true })).toBe(1);
    await until("replayed", async () => hook!.requests.length >= 2);
    const [done] = await untilJobs(app!, "delivered");
    expect(done!.history.map((h) => h.result)).toEqual(["dead", "delivered"]);
    expect(hook.requests[1]!.headers["webhook-id"]).toBe(hook.requests[0]!.headers["webhook-id"]);
  });

  it("gives up after the attempts allowed and says so", async () => {
    hook = await startStandIn({ handler: () => failures.serverError("down") });
    app = await startOutboxApp({ modules: { http_webhook: { delivery: "queued", outbox_max_attempts: 3 } } });
    await app.query(webhookQuery(`${hook.url}/in`));
    const [dead] = await untilJobs(app!, "dead");
    expect(dead!.history.map((h) => h.result)).toEqual(["retry", "retry", "dead"]);
    expect(dead!.lastError).toMatch(/gave up/);
    expect(hook.requests).toHaveLength(3);
  });

  it("refuses to queue what cannot be delivered, with an error MISP shows", async () => {
    hook = await startStandIn();
    app = await startOutboxApp({ modules: { http_webhook: { delivery: "queued" } }, http: { denyPrivate: true } });
    const bad = await app.query(webhookQuery(`${hook.url}/in`, { content_type: "json", payload: "{not json" }));
    expect(bad.body.error).toMatch(/^http_webhook: parameter "payload"/);
    const egress = await app.query(webhookQuery(`${hook.url}/in`));
    expect(egress.body.error).toMatch(/^http_webhook: parameter "url": destination refused/);
    const missing = await app.query(webhookQuery(""));
    expect(missing.body.error).toMatch(/parameter "url"/);
    expect(await jobs(app)).toHaveLength(0);
    expect(hook.requests).toHaveLength(0);
  });

  it("refuses with an error when the outbox is full", async () => {
    hook = await startStandIn({ handler: () => failures.serverError() });
    app = await startOutboxApp({ modules: { http_webhook: { delivery: "queued" } }, outbox: { maxJobs: 1, retryScheduleMs: [60_000] } });
    expect((await app.query(webhookQuery(`${hook.url}/in`))).body).toEqual({ data: true });
    const full = await app.query(webhookQuery(`${hook.url}/in`));
    expect(full.body.error).toMatch(/outbox is full/);
  });

  it("stays sync by default, and the node parameter overrides the server setting", async () => {
    hook = await startStandIn({ handler: () => failures.serverError("boom") });
    // http_webhook is queued by the server's setting; mattermost has none.
    app = await startOutboxApp({ modules: { http_webhook: { delivery: "queued" } } });
    const sync = await app.query(webhookQuery(`${hook.url}/in`, { delivery: "sync" }));
    expect(sync.body.error).toMatch(/HTTP 500/);
    const byDefault = await app.query({
      module: "mattermost",
      data: { Event: { info: "x" } },
      params: { webhook_url: `${hook.url}/hooks/abc` },
    });
    expect(byDefault.body.error).toMatch(/^mattermost: .*500/);
    const queued = await app.query({
      module: "mattermost",
      data: { Event: { info: "x" } },
      params: { webhook_url: `${hook.url}/hooks/abc`, delivery: "queued" },
    });
    expect(queued.body).toEqual({ data: true });
    const bad = await app.query(webhookQuery(`${hook.url}/in`, { delivery: "later" }));
    expect(bad.body.error).toMatch(/parameter "delivery": must be one of default, sync, queued/);
  });

  it.skipIf(backend !== "sqlite")("never stores a literal credential; signs with Standard Webhooks at delivery time", async () => {
    hook = await startStandIn();
    hook.script(failures.serverError());
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const token = "tok-very-secret-0123456789";
    app = await startOutboxApp({ modules: { http_webhook: { delivery: "queued" } } }, { MISP_MODULES_SECRET_HOOK_TOKEN: token });
    await app.query(
      webhookQuery(`${hook.url}/in`, {
        signing_secret: secret,
        headers: "Authorization: Bearer secret:HOOK_TOKEN\nX-Literal: lit-credential-42",
      }),
    );
    await until("delivered", async () => hook!.requests.length >= 2);
    const last = hook.last();
    expect(last.headers.authorization).toBe(`Bearer ${token}`);
    expect(last.headers["x-literal"]).toBe("lit-credential-42");
    const id = String(last.headers["webhook-id"]);
    const ts = Number(last.headers["webhook-timestamp"]);
    expect(last.headers["webhook-signature"]).toBe(signatureV1(secret, id, ts, last.body));
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(30);
    app.app.services.store!().flush();
    const bytes = ["store.db", "store.db-wal"]
      .map((f) => {
        try {
          return readFileSync(join(app!.dataDir, f)).toString("latin1");
        } catch {
          return "";
        }
      })
      .join("");
    // The job is there (its id), the credentials are not (the headers parameter is sealed whole).
    expect(bytes.includes(id)).toBe(true);
    for (const s of [secret, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", token, "lit-credential-42"]) expect(bytes.includes(s), s).toBe(false);
  });

  it("reports queue metrics in /healthcheck, keeping status true", async () => {
    hook = await startStandIn({ handler: () => failures.notFound() });
    app = await startOutboxApp({ modules: { http_webhook: { delivery: "queued" } } });
    await app.query(webhookQuery(`${hook.url}/in`));
    await until("dead", async () => (await jobs(app!, "dead")).length > 0);
    await new Promise((r) => setTimeout(r, 1100));
    const h = (await (await fetch(`${app.url}/healthcheck`)).json()) as {
      status: boolean;
      outbox: { backend: string; depth: number; dead: number; modules: Array<{ module: string; dead: number; attempts: number }> };
    };
    expect(h.status).toBe(true);
    expect(h.outbox).toMatchObject({ backend, depth: 0, dead: 1 });
    expect(h.outbox.modules).toEqual([expect.objectContaining({ module: "http_webhook", dead: 1, attempts: 1 })]);
  });
});

describe("an outbox that cannot store", { timeout: 60_000 }, () => {
  it("answers MISP with an error in time when Redis is unreachable", async () => {
    const { freePort } = await import("../../helpers/child-server.js");
    const port = await freePort();
    app = await startApp({
      deadlineMs: 3000,
      modules: { http_webhook: { delivery: "queued" } },
      outbox: { backend: "redis", redisUrl: `redis://127.0.0.1:${port}` },
    });
    const started = Date.now();
    const r = await app.query(webhookQuery("http://127.0.0.1:9/in"));
    expect(r.body.error).toMatch(/^http_webhook: (cannot queue the delivery|.*Redis)/);
    expect(Date.now() - started).toBeLessThan(8000);
  });
});
