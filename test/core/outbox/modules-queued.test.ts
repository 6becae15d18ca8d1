import { afterEach, describe, expect, it } from "vitest";
import type { Outbox } from "../../../src/core/outbox/outbox.js";
import { startSmtpServer, type SmtpServerOptions, type TestSmtpServer } from "../../helpers/smtp.js";
import { startStandIn, type StandIn } from "../../helpers/stand-in.js";
import { until } from "../../reliability/until.js";
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
        if (req.headers["content-type"]?.startsWith("application/json") !== true || typeof body.text !== "string")
          return { status: 400, body: "invalid_payload" };
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
        if (!/^\/bot\d+:[A-Za-z0-9_-]+\/sendMessage$/.test(req.path))
          return { status: 404, body: { ok: false, error_code: 404, description: "Not Found" } };
        if (times.length === 1)
          return {
            status: 429,
            body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 4", parameters: { retry_after: 4 } },
          };
        return { status: 200, body: { ok: true, result: { message_id: 1 } } };
      },
    });
    app = await startOutboxApp({ modules: { telegram: { delivery: "queued" } } });
    const r = await app.query({
      module: "telegram",
      data: DATA,
      params: { bot_token: "123456:ABCdef_ghi", chat_id: "-100123", api_url: stand.url },
    });
    expect(r.body).toEqual({ data: true });
    await until("delivered", async () => times.length >= 2, 20_000);
    // No Retry-After header: the 4 s come from the body (the schedule alone would say 100 ms).
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(3800);
  });
});

describe("mail queued", { timeout: 60_000 }, () => {
  let smtp: TestSmtpServer | undefined;
  afterEach(async () => {
    await smtp?.close();
    smtp = undefined;
  });

  it("an SMTP 4xx is temporary (retried), a 5xx permanent (dead letter)", async () => {
    // The relay greylists the first message (451), then accepts.
    const relay: SmtpServerOptions = { tls: "plain", rejectData: { code: 451, text: "4.7.1 greylisted, try again later" } };
    smtp = await startSmtpServer(relay);
    app = await startOutboxApp({
      modules: {
        mail: { delivery: "queued", smtp_host: "127.0.0.1", smtp_port: smtp.port, smtp_security: "none", mail_from: "misp@example.org" },
      },
    });
    const query = (to: string) => ({ module: "mail", data: DATA, params: { recipients: to } });
    expect((await app.query(query("soc@example.org"))).body).toEqual({ data: true });
    const backend = await (app.app.services.outbox as Outbox).open();
    const waiting = await until("a retry after the 451", async () =>
      (await backend.list({ state: "waiting", limit: 5 })).find((j) => j.history.length >= 1),
    );
    expect(waiting.history[0]).toMatchObject({ result: "retry" });
    expect(waiting.history[0]!.error).toMatch(/451.*\[temporary failure \(module\)\]/);
    relay.rejectData = undefined;
    await until("mail accepted", async () => smtp!.received.length >= 1);
    expect(smtp.received[0]!.to).toEqual(["soc@example.org"]);

    relay.rejectData = { code: 554, text: "5.7.1 message refused" };
    await app.query(query("cert@example.org"));
    const dead = await until("dead letter after the 554", async () => (await backend.list({ state: "dead", limit: 5 }))[0]);
    expect(dead.history).toHaveLength(1);
    expect(dead.lastError).toMatch(/554.*\[permanent failure \(module\)\]/);
  });
});
