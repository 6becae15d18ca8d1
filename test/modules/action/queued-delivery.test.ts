import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { paramId } from "../../../src/engines/cakephp-hash/inflector.js";
import type { Outbox } from "../../../src/core/outbox/outbox.js";
import type { JobView } from "../../../src/core/outbox/types.js";
import dfirIris from "../../../src/modules/action/dfir_iris.js";
import discord from "../../../src/modules/action/discord.js";
import elasticsearch from "../../../src/modules/action/elasticsearch.js";
import flowintel from "../../../src/modules/action/flowintel.js";
import googleChat from "../../../src/modules/action/google_chat.js";
import pagerduty from "../../../src/modules/action/pagerduty.js";
import qradar from "../../../src/modules/action/qradar.js";
import sentinel from "../../../src/modules/action/sentinel.js";
import syslog from "../../../src/modules/action/syslog.js";
import thehive from "../../../src/modules/action/thehive.js";
import webex from "../../../src/modules/action/webex.js";
import { nodeRequest } from "../../helpers/action-node.js";
import { roaming } from "../../helpers/app.js";
import { startEsStandIn, type EsStandIn } from "../../helpers/elasticsearch-stand-in.js";
import { qradarError, startQradarStandIn, type QradarStandIn } from "../../helpers/qradar-stand-in.js";
import { startSentinelStandIn, type SentinelStandIn } from "../../helpers/sentinel-stand-in.js";
import { closedPort, failures, startStandIn, type Handler, type RecordedRequest, type StandIn } from "../../helpers/stand-in.js";
import { startSyslogReceiver, type SyslogReceiver } from "../../helpers/syslog-receiver.js";
import { until } from "../../reliability/until.js";
import { startOutboxApp, type OutboxApp } from "../../core/outbox/helpers.js";
import { IRIS_KEY, irisStandIn } from "./stand-ins/dfir-iris.js";
import { DISCORD_HOOK_PATH, discordStandIn } from "./stand-ins/discord.js";
import { FLOWINTEL_KEY, flowintelStandIn } from "./stand-ins/flowintel.js";
import { GCHAT_KEY, GCHAT_SPACE, GCHAT_TOKEN, googleChatStandIn } from "./stand-ins/google-chat.js";
import { PD_ROUTING_KEY, pagerDutyStandIn } from "./stand-ins/pagerduty.js";
import { THEHIVE_KEY, theHiveStandIn } from "./stand-ins/thehive.js";
import { WEBEX_ROOM, WEBEX_TOKEN, webexStandIn } from "./stand-ins/webex.js";

// The sending modules of the case, chat and SIEM families through the outbox (docs/delivery.md):
// each one is queued, its receiver (the module's contract stand-in) fails first, then accepts;
// the retry carries the same idempotency key where the vendor has one. One server for the file.

const MODULES = [
  "pagerduty",
  "discord",
  "google_chat",
  "webex",
  "thehive",
  "dfir_iris",
  "flowintel",
  "elasticsearch",
  "syslog",
  "qradar",
  "sentinel",
] as const;

type Json = Record<string, any>;
const EVENT = () => roaming("event-publish-tlp-red");

let app: OutboxApp;
let http: StandIn;
beforeAll(async () => {
  http = await startStandIn();
  const modules: Record<string, Record<string, string>> = {};
  for (const m of MODULES) modules[m] = { delivery: "queued", misp_base_url: "https://misp.example.org" };
  // A slower schedule than the other outbox tests: the checks below see the first failure
  // before the retry runs.
  app = await startOutboxApp({ modules, http: { timeoutMs: 1500 }, outbox: { retryScheduleMs: [400], maxAttempts: 8 } });
}, 120_000);
afterAll(async () => {
  await app?.close();
  await http?.close();
});

async function queue(body: unknown): Promise<void> {
  const r = await app.query(body);
  expect(r.body).toEqual({ data: true });
}

/** The job of `module` once it is in `state`, with its attempts. */
async function jobOf(module: string, state: "waiting" | "delivered" | "dead", limitMs = 20_000): Promise<JobView> {
  const backend = await (app.app.services.outbox as Outbox).open();
  // A waiting job counts once its first attempt is recorded.
  return until(
    `${module} ${state}`,
    async () => (await backend.list({ state, limit: 200 })).find((j) => j.module === module && j.history.length > 0),
    limitMs,
  );
}

/** The contract handler, with the first request matching `first` answered by `answer` instead. */
function failingFirst(
  handler: Handler,
  answer: ReturnType<typeof failures.serverError>,
  first: (r: RecordedRequest) => boolean = () => true,
) {
  let failed = false;
  return (req: RecordedRequest) => {
    if (!failed && first(req)) {
      failed = true;
      return answer;
    }
    return handler(req);
  };
}

/** A request as MISP sends it, for modules whose tests list parameters by name. */
function paramsOf(def: { params: Record<string, unknown> }, values: Record<string, string>): Record<string, string> {
  const all: Record<string, string> = {};
  for (const name of Object.keys(def.params)) all[paramId(name)] = values[name] ?? "";
  return all;
}

const bodies = (reqs: RecordedRequest[]) => reqs.map((r) => JSON.parse(r.body) as Json);

describe("case management and paging, queued", { timeout: 60_000 }, () => {
  it("pagerduty: a 503, then accepted; the dedup_key (event UUID) is the same on both attempts; one alert", async () => {
    http.reset();
    const pd = pagerDutyStandIn();
    http.handle(failingFirst(pd.handler, failures.serverError("upstream unavailable")));
    const data = EVENT();
    await queue(nodeRequest("pagerduty", pagerduty, data, { routing_key: PD_ROUTING_KEY, events_url: http.url }));
    const job = await jobOf("pagerduty", "delivered");
    expect(job.history.map((a) => a.result)).toEqual(["retry", "delivered"]);
    expect(job.destination).toMatch(/^pagerduty\/127\.0\.0\.1:\d+\/[0-9a-f]{12}$/);
    expect(job.destination).not.toContain(PD_ROUTING_KEY);
    const keys = bodies(http.requests).map((b) => b.dedup_key);
    expect(keys).toEqual([`misp-event-${(data.Event as Json).uuid}`, `misp-event-${(data.Event as Json).uuid}`]);
    expect(pd.state.opened).toBe(1);
  });

  it("thehive: a 502, then created; the sourceRef is the same on both attempts; one alert", async () => {
    http.reset();
    const hive = theHiveStandIn();
    http.handle(failingFirst(hive.handler, { status: 502, body: "Bad Gateway" }));
    await queue(nodeRequest("thehive", thehive, EVENT(), { thehive_url: http.url, api_key: THEHIVE_KEY }));
    const job = await jobOf("thehive", "delivered");
    expect(job.history.map((a) => a.result)).toEqual(["retry", "delivered"]);
    expect(job.history[0]!.status).toBe(502);
    const refs = bodies(http.requests).map((b) => b.sourceRef);
    expect(refs).toHaveLength(2);
    expect(refs[0]).toBe((EVENT().Event as Json).uuid);
    expect(refs[1]).toBe(refs[0]);
    expect(hive.state.alerts.size).toBe(1);
  });

  it("dfir_iris: a 503 on the alert, then created; the delivery id in alert_source_content is the same on both", async () => {
    http.reset();
    const iris = irisStandIn();
    http.handle(failingFirst(iris.handler, failures.serverError("maintenance"), (r) => r.method === "POST"));
    await queue(nodeRequest("dfir_iris", dfirIris, EVENT(), { iris_url: http.url, api_key: IRIS_KEY, customer_id: "1" }));
    const job = await jobOf("dfir_iris", "delivered");
    expect(job.history.map((a) => a.result)).toEqual(["retry", "delivered"]);
    const posts = bodies(http.requests.filter((r) => r.method === "POST"));
    expect(posts.map((p) => p.alert_source_content.delivery_id)).toEqual([job.id, job.id]);
    expect(iris.alerts).toHaveLength(1);
  });

  it("flowintel: a 503, then created; the title (its uniqueness key) is the same on both attempts", async () => {
    http.reset();
    const fi = flowintelStandIn();
    http.handle(failingFirst(fi.handler, failures.serverError("Internal Server Error")));
    await queue(nodeRequest("flowintel", flowintel, EVENT(), { flowintel_url: http.url, api_key: FLOWINTEL_KEY, with_event: "false" }));
    const job = await jobOf("flowintel", "delivered");
    expect(job.history.map((a) => a.result)).toEqual(["retry", "delivered"]);
    const titles = bodies(http.requests).map((b) => b.title);
    expect(titles).toHaveLength(2);
    expect(titles[1]).toBe(titles[0]);
    expect(fi.cases).toHaveLength(1);
  });
});

describe("chat, queued", { timeout: 60_000 }, () => {
  it("discord: a 429 whose wait is only in the JSON body (retry_after), honoured; one destination per webhook", async () => {
    http.reset();
    const d = discordStandIn();
    const times: number[] = [];
    http.handle((req) => {
      times.push(Date.now());
      // Discord's body gives seconds with a fraction; no Retry-After header here.
      if (times.length === 1) return { status: 429, body: { message: "You are being rate limited.", retry_after: 1.2, global: false } };
      return d.handler(req);
    });
    await queue(nodeRequest("discord", discord, EVENT(), { webhook_url: `${http.url}${DISCORD_HOOK_PATH}` }));
    const job = await jobOf("discord", "delivered");
    expect(job.destination).toMatch(/^discord\/127\.0\.0\.1:\d+\/[0-9a-f]{12}$/);
    expect(job.destination).not.toContain(DISCORD_HOOK_PATH.split("/").at(-1)!);
    // The schedule alone would wait 400 ms ± 20 %.
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1150);
    expect(d.messages).toHaveLength(1);
    expect(http.requests[1]!.body).toBe(http.requests[0]!.body);
  });

  it("google_chat: a 503, then posted; the requestId is the same on both attempts; one message", async () => {
    http.reset();
    const chat = googleChatStandIn();
    http.handle(failingFirst(chat.handler, failures.serverError({ error: { code: 503, message: "unavailable", status: "UNAVAILABLE" } })));
    const hook = `${http.url}/v1/spaces/${GCHAT_SPACE}/messages?key=${GCHAT_KEY}&token=${encodeURIComponent(GCHAT_TOKEN)}`;
    await queue(nodeRequest("google_chat", googleChat, EVENT(), { webhook_url: hook }));
    const job = await jobOf("google_chat", "delivered");
    expect(job.history.map((a) => a.result)).toEqual(["retry", "delivered"]);
    expect(job.destination).not.toContain(GCHAT_SPACE);
    const ids = http.requests.map((r) => r.query.get("requestId"));
    expect(ids[0]).toMatch(/^misp-[0-9a-f]{32}$/);
    expect(ids).toEqual([ids[0], ids[0]]);
    expect(chat.created()).toBe(1);
  });

  it("webex: a 500, then posted (Webex has no idempotency key: the same message is sent again)", async () => {
    http.reset();
    const w = webexStandIn();
    http.handle(failingFirst(w.handler, { status: 500, body: { message: "Internal error", trackingId: "ROUTER_1" } }));
    await queue(nodeRequest("webex", webex, EVENT(), { bot_token: WEBEX_TOKEN, room_id: WEBEX_ROOM, api_url: `${http.url}/v1` }));
    const job = await jobOf("webex", "delivered");
    expect(job.history.map((a) => a.status)).toEqual([500, 200]);
    expect(job.destination).not.toContain(WEBEX_ROOM);
    expect(http.requests).toHaveLength(2);
    expect(http.requests[1]!.body).toBe(http.requests[0]!.body);
  });
});

describe("SIEM exports, queued", { timeout: 60_000 }, () => {
  let es: EsStandIn | undefined;
  let q: QradarStandIn | undefined;
  let s: SentinelStandIn | undefined;
  afterAll(async () => {
    await es?.close();
    await q?.close();
    await s?.close();
  });

  it("elasticsearch: a 503, then stored; the same _ids on both attempts", async () => {
    es = await startEsStandIn();
    es.credentials.add("ApiKey a2V5OnNlY3JldA==");
    es.standIn.script({
      status: 503,
      body: { error: { type: "unavailable_shards_exception", reason: "primary shard is not active" }, status: 503 },
    });
    const params = { url: es.url, index: "misp-events", api_key: "a2V5OnNlY3JldA==", event_per_attribute: "true" };
    await queue({ module: "elasticsearch", data: EVENT(), filteredItems: EVENT(), params: paramsOf(elasticsearch, params) });
    const job = await jobOf("elasticsearch", "delivered");
    expect(job.history.map((a) => a.status)).toEqual([503, 200]);
    const ids = es.standIn.requests.map((r) =>
      r.body
        .split("\n")
        .filter((_, i) => i % 2 === 0)
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as Json).create._id),
    );
    expect(ids[0]!.length).toBeGreaterThan(1);
    expect(ids[1]).toEqual(ids[0]);
    expect(es.docs("misp-events")).toHaveLength(ids[0]!.length);
  });

  it("elasticsearch: an item refused with 429 makes the attempt retryable; the retry stores it, the rest come back 409", async () => {
    const sentIds = es!.docs("misp-events").length;
    es!.reset();
    es!.credentials.add("ApiKey a2V5OnNlY3JldA==");
    const busy = (EVENT().Event as Json).Attribute?.[0]?.uuid ?? (EVENT().Event as Json)._AttributeFlattened[0].uuid;
    es!.failIds.set(busy, { status: 429, type: "es_rejected_execution_exception", reason: "rejected execution (queue capacity 200)" });
    const params = { url: es!.url, index: "misp-items", api_key: "a2V5OnNlY3JldA==", event_per_attribute: "true" };
    await queue({ module: "elasticsearch", data: EVENT(), filteredItems: EVENT(), params: paramsOf(elasticsearch, params) });
    const waiting = await jobOf("elasticsearch", "waiting");
    expect(waiting.history[0]).toMatchObject({ result: "retry" });
    expect(waiting.history[0]!.error).toMatch(/es_rejected_execution_exception.*\[temporary failure \(module\)\]/);
    es!.failIds.clear();
    const backend = await (app.app.services.outbox as Outbox).open();
    await until("delivered", async () => (await backend.list({ state: "delivered", limit: 200 })).some((j) => j.id === waiting.id));
    await until("all documents stored", async () => es!.docs("misp-items").length === sentIds);
    // The retries sent every document again: the stored ones came back 409, none twice.
    expect(es!.standIn.requests.length).toBeGreaterThanOrEqual(2);
  });

  it("qradar: a 503, then the values are added (bulk_load is idempotent)", async () => {
    const token = "5e0f1b63-5b42-4b0c-9d53-37b4a8f0c2a1";
    q = await startQradarStandIn(token);
    const element: Record<string, string> = {
      "MISP IP": "IP",
      "MISP Domains": "ALNIC",
      "MISP URLs": "ALN",
      "MISP Hashes": "ALNIC",
      "MISP Emails": "ALNIC",
    };
    for (const [name, elementType] of Object.entries(element)) q.sets.set(name, { elementType, values: new Set() });
    q.standIn.script(qradarError(503, "Service Unavailable", 1020, "An error occurred while processing the request"));
    await queue({ module: "qradar", data: EVENT(), filteredItems: EVENT(), params: paramsOf(qradar, { url: q.url, sec_token: token }) });
    const job = await jobOf("qradar", "delivered");
    expect(job.history.map((a) => a.result)).toEqual(["retry", "delivered"]);
    const added = [...q.sets.values()].reduce((n, set) => n + set.values.size, 0);
    expect(added).toBeGreaterThan(0);
  });

  it("sentinel: a 429 whose wait is only in the message ('Try again in N seconds'), honoured; the same STIX ids", async () => {
    s = await startSentinelStandIn();
    s.limitPerMinute = 0;
    // Longer than the attempt can wait for itself (3 s): the outbox waits instead.
    s.retrySeconds = 4;
    const params = {
      tenant_id: s.tenant,
      client_id: s.clientId,
      client_secret: s.clientSecret,
      workspace_id: s.workspace,
      api_url: s.url,
      login_url: s.url,
      requests_per_minute: "6000",
    };
    await queue({ module: "sentinel", data: EVENT(), filteredItems: EVENT(), params: paramsOf(sentinel, params) });
    const waiting = await jobOf("sentinel", "waiting");
    expect(waiting.history[0]).toMatchObject({ result: "retry", status: 429 });
    expect(waiting.nextAt - waiting.history[0]!.at).toBeGreaterThanOrEqual(3900);
    expect(waiting.destination).not.toContain(s.clientId);
    s.limitPerMinute = 100;
    const job = await jobOf("sentinel", "delivered");
    const uploads = s.standIn.requests.filter((r) => r.path.endsWith(":upload"));
    const ids = uploads.map((r) => (JSON.parse(r.body) as Json).stixobjects.map((o: Json) => o.id));
    expect(ids.at(-1)).toEqual(ids[0]);
    expect(s.objects.size).toBe(ids[0].length);
    expect(job.history.at(-1)!.result).toBe("delivered");
  });
});

describe("syslog, queued (not HTTP)", { timeout: 60_000 }, () => {
  let rx: SyslogReceiver | undefined;
  let forward: net.Server | undefined;
  afterAll(async () => {
    await rx?.close();
    await new Promise<void>((resolve) => (forward ? forward.close(() => resolve()) : resolve()));
  });

  it("a TCP receiver that is down (refused, temporary) and then up gets the message", async () => {
    const port = await closedPort();
    const params = { host: "127.0.0.1", port: String(port), transport: "tcp" };
    await queue({ module: "syslog", data: EVENT(), filteredItems: EVENT(), params: paramsOf(syslog, params) });
    const waiting = await jobOf("syslog", "waiting");
    expect(waiting.destination).toBe(`syslog/127.0.0.1:${port}/tcp`);
    expect(waiting.history[0]!.error).toMatch(/connection refused.*\[temporary failure \(module\)\]/);
    // The receiver comes up on that port (a forwarder to a strict RFC 5424 receiver).
    rx = await startSyslogReceiver("tcp");
    forward = net.createServer((c) => {
      const up = net.connect(rx!.port, "127.0.0.1");
      c.pipe(up).pipe(c);
      c.on("error", () => up.destroy());
      up.on("error", () => c.destroy());
    });
    await new Promise<void>((resolve) => forward!.listen(port, "127.0.0.1", resolve));
    expect((forward.address() as AddressInfo).port).toBe(port);
    await rx.waitFor(1, 20_000);
    expect(rx.errors).toEqual([]);
    const job = await jobOf("syslog", "delivered");
    expect(job.history.at(-1)!.result).toBe("delivered");
  });

  it("a TLS receiver with a self-signed certificate is a permanent failure: a dead letter after one attempt", async () => {
    const tls = await startSyslogReceiver("tls");
    try {
      const params = { host: "127.0.0.1", port: String(tls.port), transport: "tls", hostname: "permanent" };
      await queue({ module: "syslog", data: EVENT(), filteredItems: EVENT(), params: paramsOf(syslog, params) });
      const dead = await jobOf("syslog", "dead");
      expect(dead.history).toHaveLength(1);
      expect(dead.lastError).toMatch(/self-signed.*\[permanent failure \(module\)\]/);
    } finally {
      await tls.close();
    }
  });
});
