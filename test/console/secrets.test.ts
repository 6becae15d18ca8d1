import { observersOf } from "../../src/core/runtime/observers.js";
import { createServer, type Server } from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roaming } from "../helpers/app.js";
import { mispPost, playPublish, startConsoleApp, type ConsoleTestApp } from "./helpers.js";

// Known secrets sent through every path; none may reach the database files or any console response.
const S = {
  webhookHeader: "hdr-bearer-AAAA1111",
  reference: "ref-secret-BBBB2222",
  urlToken: "url-token-CCCC3333",
  requestHeader: "req-header-DDDD4444",
  debugHec: "debug-hec-EEEE5555",
  debugHeaders: "debug-hdr-FFFF6666",
  debugList: "debug-list-GGGG7777",
  replayNew: "replay-new-HHHH8888",
  declared: "mm-token-IIII9999",
  apiKey: "apikey-JJJJ0000",
  debugMessage: "dbg-msg-KKKK1212",
};

let t: ConsoleTestApp;
let sink: Server;
let sinkUrl = "";
const responses: string[] = [];

async function api(path: string, body?: unknown) {
  const r = await t.api(path, body);
  responses.push(r.text);
  return r;
}

beforeAll(async () => {
  // A stand-in endpoint that refuses with 401 and echoes what it got (the worst case for leaks).
  sink = createServer((req, res) => {
    let b = "";
    req.on("data", (c) => (b += c));
    req.on("end", () => {
      res.writeHead(401, { "content-type": "text/plain" });
      res.end(`denied for ${req.headers.authorization ?? ""} ${req.headers["x-ref"] ?? ""} ${req.url} ${b.slice(0, 200)}`);
    });
  });
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  t = await startConsoleApp({}, {}, { MISP_MODULES_SECRET_WEBHOOK_REF: S.reference });
});
afterAll(async () => {
  await t?.close();
  await new Promise((r) => sink.close(r));
});

describe("no secret reaches the store or the screen", () => {
  it("masks secrets from queries, headers, debug posts, replays and errors", async () => {
    const event = roaming("event-publish-tlp-white");
    const webhook = {
      module: "http_webhook",
      data: event,
      params: {
        url: `${sinkUrl}/hook?token=${S.urlToken}`,
        request_method: "post",
        content_type: "json",
        payload: "",
        headers: `Authorization: Bearer ${S.webhookHeader}\nX-Ref: secret:WEBHOOK_REF`,
        data_extraction_path: "",
        self_signed: "deny",
        expected_status: "2xx",
      },
    };
    const r1 = await fetch(`${t.url}/query`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${S.requestHeader}` },
      body: JSON.stringify(webhook),
    });
    expect(r1.status).toBe(200);
    const reply1 = (await r1.json()) as { error?: string };
    expect(reply1.error).toBeTruthy();
    await t.query({
      module: "mattermost",
      data: event,
      params: {
        mattermost_hostname: sinkUrl,
        bot_access_token: S.declared,
        channel_id: "c".repeat(26),
        message_template: "",
        webhook_url: "",
        verify_tls: "0",
      },
    });
    await t.query({ module: "testaction", data: event, params: { api_key: S.apiKey, foo: "visible-value" } });

    await playPublish(
      t.url,
      "/workflow-debug",
      event,
      [
        {
          nodeId: 2,
          moduleId: "splunk-hec-export",
          result: "partial-success",
          params: { hec_token: S.debugHec, url: "https://splunk.example.org" },
          errors: [`splunk: HTTP 401 for token ${S.debugHec}`],
        },
        {
          nodeId: 3,
          moduleId: "webhook",
          result: "error",
          message: `failed with ${S.debugMessage}`,
          params: { headers: `Authorization: Bearer ${S.debugHeaders}`, url: "https://hooks.example.org", debug_key: S.debugMessage },
        },
      ],
      "failure",
    );
    await mispPost(t.url, "/workflow-debug/event-publish/end?outcome=failure", {
      data: {
        executed_nodes: [{ data: { id: "telegram-send-alert", params: [{ id: "bot_token", label: "Bot token", value: S.debugList }] } }],
      },
    });
    await t.settle();

    const list = await api("/queries");
    const items = (list.body as { items: Array<{ id: number; module: string; params: Record<string, string> }> }).items;
    const hook = items.find((q) => q.module === "http_webhook")!;
    expect(hook.params.headers).toMatch(/masked/);
    expect(items.find((q) => q.module === "testaction")!.params.foo).toBe("visible-value");
    for (const q of items) await api(`/queries/${q.id}`);
    // A replay reuses the masked header server-side (the sink sees it) and one with a new secret.
    const replay1 = await api(`/queries/${hook.id}/replay`, {});
    expect(replay1.status).toBe(200);
    expect(JSON.stringify(replay1.body)).toMatch(/401/);
    const replay2 = await api(`/queries/${hook.id}/replay`, { params: { headers: `Authorization: Bearer ${S.replayNew}` } });
    expect(replay2.status).toBe(200);
    await t.settle();
    for (const q of (await api("/queries")).body.items as Array<{ id: number }>) await api(`/queries/${q.id}`);
    const runs = (await api("/runs")).body as { items: Array<{ id: number; initHash: string; endHash: string }> };
    for (const r of runs.items) {
      const run = await api(`/runs/${r.id}`);
      for (const p of (run.body as { posts: Array<{ dataHash: string | null }> }).posts)
        if (p.dataHash) await api(`/payloads/${p.dataHash}`);
    }
    await api("/posts/malformed");
    await api("/status");
    for (const page of ["/console/", "/console/assets/app.js"]) responses.push(await (await fetch(t.url + page)).text());

    // Force everything to disk, then read every file of the data directory as bytes.
    (journalOf(t.app.services) as unknown as { store: { flush(): void; db: { pragma(s: string): unknown } } }).store.flush();
    const files = readdirSync(t.dataDir).map((f) => readFileSync(join(t.dataDir, f)).toString("latin1"));
    expect(files.join("").length).toBeGreaterThan(1000);
    // The search can see plain values in the files (they are not compressed or encrypted).
    expect(files.some((f) => f.includes("visible-value"))).toBe(true);
    const haystacks = [...files, ...responses];
    for (const [name, secret] of Object.entries(S)) {
      for (const form of new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString("base64")])) {
        const where = haystacks.findIndex((h) => h.includes(form));
        expect(where, `${name} (${form}) leaked into ${where < files.length ? "the data directory" : "a console response"}`).toBe(-1);
      }
    }
    // The stored records still say what happened.
    expect(responses.join("\n")).toMatch(/http_webhook/);
    expect(responses.join("\n")).toMatch(/splunk-hec-export/);
  });
});

/** The console's journal among the query observers (the metrics watch queries too). */
function journalOf(services: Parameters<typeof observersOf>[0]) {
  return observersOf(services).find((o) => "store" in o);
}
