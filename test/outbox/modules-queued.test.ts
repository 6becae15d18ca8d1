import { afterEach, describe, expect, it } from "vitest";
import { startStandIn, type StandIn } from "../helpers/stand-in.js";
import { until } from "../reliability/until.js";
import { startOutboxApp, type OutboxApp } from "./helpers.js";

// Modules other than http_webhook through the outbox, against stand-ins that keep their vendor's
// contract: Slack's incoming webhook, Telegram's flood control (the wait is in the JSON body).

let app: OutboxApp | undefined;
let stand: StandIn | undefined;
afterEach(async () => {
  await app?.close();
  await stand?.close();
  app = stand = undefined;
});

const DATA = { Event: { id: "7", uuid: "5e1b7c3a-0000-4000-8000-000000000007", info: "queued chat message", Tag: [] } };

describe("chat modules queued", { timeout: 60_000 }, () => {
  it("slack: a webhook that fails once gets the message on the next attempt", async () => {
    stand = await startStandIn({
      handler: (req) => {
        const body = JSON.parse(req.body) as { text?: unknown };
        if (req.headers["content-type"]?.startsWith("application/json") !== true || typeof body.text !== "string") return { status: 400, body: "invalid_payload" };
        return { status: 200, body: "ok" };
      },
    });
    stand.script({ status: 503, body: "service_unavailable" });
    app = await startOutboxApp({ modules: { slack: { delivery: "queued" } } });
    const r = await app.query({ module: "slack", data: DATA, params: { webhook_url: `${stand.url}/services/T000/B000/XXXX` } });
    expect(r.body).toEqual({ data: true });
    await until("delivered", async () => stand!.requests.length >= 2);
    expect((JSON.parse(stand.last().body) as { text: string }).text).toContain("queued chat message");
    const h = (await (await fetch(`${app.url}/healthcheck`)).json()) as { outbox: { modules: Array<{ module: string }> } };
    expect(h.outbox.modules.map((m) => m.module)).toEqual(["slack"]);
  });

  it("telegram: waits the retry_after Telegram puts in its JSON body", async () => {
    const times: number[] = [];
    stand = await startStandIn({
      handler: (req) => {
        times.push(Date.now());
        if (!/^\/bot\d+:[A-Za-z0-9_-]+\/sendMessage$/.test(req.path)) return { status: 404, body: { ok: false, error_code: 404, description: "Not Found" } };
        if (times.length === 1) return { status: 429, body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 4", parameters: { retry_after: 4 } } };
        return { status: 200, body: { ok: true, result: { message_id: 1 } } };
      },
    });
    app = await startOutboxApp({ modules: { telegram: { delivery: "queued" } } });
    const r = await app.query({ module: "telegram", data: DATA, params: { bot_token: "123456:ABCdef_ghi", chat_id: "-100123", api_url: stand.url } });
    expect(r.body).toEqual({ data: true });
    await until("delivered", async () => times.length >= 2, 20_000);
    // No Retry-After header: the 4 s come from the body (the schedule alone would say 100 ms).
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(3800);
  });
});
