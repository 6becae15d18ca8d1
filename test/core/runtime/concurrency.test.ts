import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModuleGate } from "../../../src/core/runtime/concurrency.js";
import { startTestApp, type TestApp } from "../../helpers/app.js";

// Per-module concurrency caps (docs/operations-runtime.md): a burst to one module opens at most
// its cap of connections to the upstream; overflow and queue timeouts are error replies.

const modules = fileURLToPath(new URL("../../fixtures/capped-modules", import.meta.url));

/** A chat stand-in: POST JSON only, holds each post `?hold=` ms, counts posts open at once. */
async function chatStandIn(): Promise<{ url: string; peak: () => number; total: () => number; close(): Promise<void> }> {
  let open = 0;
  let peak = 0;
  let total = 0;
  const server: Server = createServer((req, res) => {
    if (req.method !== "POST" || !String(req.headers["content-type"]).startsWith("application/json")) {
      res.writeHead(415).end();
      return;
    }
    open++;
    total++;
    peak = Math.max(peak, open);
    const hold = Number(new URL(req.url ?? "/", "http://x").searchParams.get("hold") ?? 0);
    req.resume();
    req.on("end", () =>
      setTimeout(() => {
        open--;
        res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      }, hold),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    peak: () => peak,
    total: () => total,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe("ModuleGate", () => {
  it("hands places out in arrival order and refuses past the queue", async () => {
    const gate = new ModuleGate({ max: 1, queue: 1 });
    expect(gate.tryEnter()).toBe(true);
    const second = gate.wait(1000);
    expect(await gate.wait(1000)).toBe("queue_full");
    gate.leave();
    expect(await second).toBe(true);
    expect(await gate.wait(10)).toBe("queue_timeout");
    expect(gate.snapshot()).toMatchObject({ running: 1, queued: 0, rejectedFull: 1, rejectedTimeout: 1 });
  });
});

describe("per-module concurrency cap", () => {
  let chat: Awaited<ReturnType<typeof chatStandIn>>;
  let t: TestApp;
  beforeAll(async () => {
    chat = await chatStandIn();
    t = await startTestApp({
      custom: [modules],
      isolation: { mode: "none" },
      // Far above the cap, so that only the cap bounds the upstream connections.
      http: { maxConnectionsPerOrigin: 512 },
      modules: { chat_post: { maxConcurrent: 8, maxQueued: 300 } },
    });
  });
  afterAll(async () => {
    await t?.close();
    await chat?.close();
  });

  it("a burst of 200 queries opens at most the cap's connections, and all are answered", async () => {
    const replies = await Promise.all(
      Array.from({ length: 200 }, () => t.query({ module: "chat_post", data: {}, params: { url: `${chat.url}?hold=20` } })),
    );
    expect(replies.every((r) => r.status === 200 && r.body.data === true)).toBe(true);
    expect(chat.total()).toBe(200);
    expect(chat.peak()).toBeGreaterThan(1);
    expect(chat.peak()).toBeLessThanOrEqual(8);
  });
});

describe("queue overflow and queue timeout", () => {
  let chat: Awaited<ReturnType<typeof chatStandIn>>;
  let t: TestApp;
  beforeAll(async () => {
    chat = await chatStandIn();
    // Limits from the environment this time (MISP_MODULES_<MODULE>_<KEY>).
    t = await startTestApp(
      { custom: [modules], isolation: { mode: "none" } },
      {
        env: {
          MISP_MODULES_CHAT_POST_MAXCONCURRENT: "2",
          MISP_MODULES_CHAT_POST_MAXQUEUED: "3",
          MISP_MODULES_CHAT_POST_QUEUETIMEOUTMS: "150",
        },
      },
    );
  });
  afterAll(async () => {
    await t?.close();
    await chat?.close();
  });

  it("answers 200 with an error reply naming the cause", async () => {
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => t.query({ module: "chat_post", data: {}, params: { url: `${chat.url}?hold=1500` } })),
    );
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const errors = replies.map((r) => String(r.body.error ?? ""));
    expect(replies.filter((r) => r.body.data === true)).toHaveLength(2);
    expect(errors.filter((e) => /^chat_post: too many queries.*2 running and 3 waiting already/.test(e))).toHaveLength(5);
    expect(errors.filter((e) => /^chat_post: too many queries.*waited \d+ ms for one of its 2 places/.test(e))).toHaveLength(3);
    expect(chat.peak()).toBe(2);
    const gate = t.app.services.gates!.get("chat_post").snapshot();
    expect(gate).toMatchObject({ running: 0, queued: 0, rejectedFull: 5, rejectedTimeout: 3 });
  });
});
