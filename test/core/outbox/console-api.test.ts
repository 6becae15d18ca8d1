import { afterAll, describe, expect, it } from "vitest";
import { failures, startStandIn, type StandIn } from "../../helpers/stand-in.js";
import { until } from "../../reliability/until.js";
import { startOutboxApp, webhookQuery, type OutboxApp } from "./helpers.js";

const POST_JSON = { method: "POST", headers: { "content-type": "application/json" }, body: "{}" };

// The outbox in the console's API: metrics, dead letters with attempts, replay (docs/delivery.md).

let app: OutboxApp | undefined;
let hook: StandIn | undefined;
afterAll(async () => {
  await app?.close();
  await hook?.close();
});

describe("console outbox API", { timeout: 60_000 }, () => {
  it("lists dead letters with their attempts and replays one with the same id", async () => {
    hook = await startStandIn();
    hook.script(failures.forbidden("bad token"));
    app = await startOutboxApp({ console: { enabled: true }, modules: { http_webhook: { delivery: "queued" } } });
    await app.query(webhookQuery(`${hook.url}/in`));
    const api = `${app.url}/console/api/outbox`;
    const dead = await until("dead letter in the API", async () => {
      const r = (await (await fetch(`${api}?state=dead`)).json()) as {
        stats: { dead: number };
        jobs: Array<{ id: string; history: Array<{ status: number; excerpt: string }> }>;
      };
      return r.jobs.length ? r : undefined;
    });
    expect(dead.stats.dead).toBe(1);
    expect(dead.jobs[0]!.history[0]).toMatchObject({ status: 403, excerpt: "bad token" });
    const id = dead.jobs[0]!.id;
    expect((await fetch(`${api}?state=nope`)).status).toBe(400);
    expect((await fetch(`${api}/msg_unknown/retry`, POST_JSON)).status).toBe(404);
    const retried = await fetch(`${api}/${id}/retry`, POST_JSON);
    expect(await retried.json()).toEqual({ retried: 1 });
    await until("replayed", async () => hook!.requests.length >= 2);
    expect(hook.requests[1]!.headers["webhook-id"]).toBe(id);
  });
});
