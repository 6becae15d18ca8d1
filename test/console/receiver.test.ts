import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roaming } from "../helpers/app.js";
import { mispPost, playPublish, startConsoleApp, type ConsoleTestApp } from "./helpers.js";

// One server for the file (start-up dominates on a loaded machine); each test uses its own trigger.
let t: ConsoleTestApp;
const port = 20000 + Math.floor(Math.random() * 20000);
beforeAll(async () => {
  t = await startConsoleApp({ debugListen: `127.0.0.1:${port}` }, { bodyLimit: 300_000 });
});
afterAll(async () => {
  await t?.close();
});

type Run = {
  id: number;
  trigger: string;
  kind: string;
  blocking: boolean;
  outcome: string;
  nodes: number;
  errors: number;
  posts: Array<Record<string, unknown>>;
  queries: Array<Record<string, unknown>>;
};

describe("MISP workflow debug receiver", () => {
  it("groups MISP's exact publish sequence into a run and links our /query records", async () => {
    const event = roaming("event-publish-tlp-red");
    await playPublish(
      t.url,
      "/workflow-debug",
      event,
      [
        { nodeId: 2, moduleId: "tag-if", result: "success" },
        {
          nodeId: 3,
          moduleId: "testaction",
          result: "success",
          before: async () => void (await t!.query({ module: "testaction", data: event, params: {} })),
        },
        {
          nodeId: 4,
          moduleId: "webhook",
          result: "error",
          message: "cURL error 7: Failed to connect",
          params: { url: "https://hooks.example.org/x", headers: "Authorization: Bearer abcdefgh1234" },
        },
      ],
      "failure",
    );
    await t.settle();
    const runs = await t.api<{ items: Run[] }>("/runs?trigger=event-publish");
    const run = (await t.api<Run>(`/runs/${runs.body.items[0]!.id}`)).body;
    expect(run).toMatchObject({ trigger: "event-publish", kind: "run", blocking: true, outcome: "failure", nodes: 3, errors: 1 });
    expect(run.posts.map((p) => [p.phase, p.moduleId ?? null, p.result ?? null])).toEqual([
      ["init", null, null],
      ["exec", "tag-if", "success"],
      ["exec", "testaction", "success"],
      ["exec", "webhook", "error"],
      ["end", null, null],
    ]);
    expect(run.posts[3]).toMatchObject({ nodeId: "4", message: "cURL error 7: Failed to connect" });
    expect(JSON.stringify(run.posts[3]!.params)).not.toContain("abcdefgh1234");
    // Our /query of testaction is attached to its node.
    expect(run.queries).toHaveLength(1);
    expect(run.posts[2]!.queryId).toBe(run.queries[0]!.id);
    expect(run.queries[0]).toMatchObject({ module: "testaction", outcome: "ok", runId: run.id });
  });

  it("answers 200 to malformed posts, unknown paths and empty bodies, and records them as malformed", async () => {
    const before = (await t.api<{ receiver: { malformed: number; received: number } }>("/status")).body.receiver;
    for (const [path, body] of [
      ["/workflow-debug/event-publish/exec/x?result=success", "{not json"],
      ["/workflow-debug/what/ever", "{}"],
      ["/workflow-debug/event-publish/init?type=blocking", ""],
      ["/workflow-debug", "[1,2]"],
    ] as const) {
      const r = await mispPost(t.url, path, body);
      expect(r.status).toBe(200);
    }
    await t.settle();
    const m = await t.api<{ items: Array<{ malformed: string }> }>("/posts/malformed");
    expect(m.body.items.length).toBeGreaterThanOrEqual(4);
    expect(m.body.items.map((i) => i.malformed).join("\n")).toMatch(/not JSON/);
    const st = await t.api<{ receiver: { malformed: number; received: number } }>("/status");
    expect(st.body.receiver.malformed - before.malformed).toBe(4);
    expect(st.body.receiver.received - before.received).toBe(4);
  });

  it("answers 200 even when the body exceeds the body limit", async () => {
    const r = await mispPost(t.url, "/workflow-debug/big/init?type=blocking", { data: "x".repeat(400_000) });
    expect(r.status).toBe(200);
  });

  it("concurrent-task children (exec only, no init/end) form a run of their own", async () => {
    await mispPost(t.url, "/workflow-debug/event-after-save/exec/testaction?result=success", {
      source: { node_id: 7, module_id: "testaction", filters: {}, parameters: [] },
      data: {},
    });
    await mispPost(t.url, "/workflow-debug/event-after-save/exec/slack?result=partial-success", {
      source: { node_id: 8, module_id: "slack", filters: {}, parameters: [] },
      data: {},
      errors: ["slack: HTTP 500"],
    });
    await t.settle();
    const runs = await t.api<{ items: Run[] }>("/runs");
    expect(runs.body.items.filter((r) => r.trigger === "event-after-save")).toHaveLength(1);
    expect(runs.body.items.find((r) => r.trigger === "event-after-save")).toMatchObject({ kind: "child", nodes: 2, errors: 1 });
  });

  it("overlapping runs of one trigger stay apart (told by their event, and an end by its executed nodes)", async () => {
    const trigger = "event-before-save";
    const base = roaming("event-publish-tlp-red") as { Event: Record<string, unknown> };
    const eventA = { Event: { ...base.Event, uuid: "aaaaaaaa-0000-4000-8000-000000000001", info: "event A" } };
    const eventB = { Event: { ...base.Event, uuid: "bbbbbbbb-0000-4000-8000-000000000002", info: "event B" } };
    const ts = "2024-10-21T10:59:21+02:00";
    const empty = { node_id: "", module_id: "", filters: "", parameters: "" };
    const init = (event: unknown) =>
      mispPost(t.url, `/workflow-debug/${trigger}/init?type=blocking`, {
        source: empty,
        timestamp: ts,
        data: { original: event, normalized: event },
      });
    const exec = (event: unknown, nodeId: number, moduleId: string, result: string) =>
      mispPost(t.url, `/workflow-debug/${trigger}/exec/${moduleId}?result=${result}`, {
        source: { node_id: nodeId, module_id: moduleId, filters: "", parameters: [] },
        timestamp: ts,
        data: event,
      });
    const end = (nodes: Array<[number, string]>, outcome: string) =>
      mispPost(t.url, `/workflow-debug/${trigger}/end?outcome=${outcome}`, {
        source: empty,
        timestamp: ts,
        data: { blocking_nodes: [], executed_nodes: nodes.map(([id, m]) => ({ id, data: { id: m } })), blocked_paths: [] },
      });
    // Two saves at once, interleaved as two PHP workers post them: B finishes first.
    await init(eventA);
    await init(eventB);
    await exec(eventA, 2, "tag-if", "success");
    await exec(eventB, 2, "tag-if", "success");
    await exec(eventB, 5, "testaction", "success");
    await end(
      [
        [2, "tag-if"],
        [5, "testaction"],
      ],
      "success",
    );
    await exec(eventA, 5, "testaction", "partial-success");
    await end(
      [
        [2, "tag-if"],
        [5, "testaction"],
      ],
      "failure",
    );
    await t.settle();
    const runs = (await t.api<{ items: Run[] }>(`/runs?trigger=${trigger}`)).body.items;
    expect(runs).toHaveLength(2);
    const detail = await Promise.all(runs.map(async (r) => (await t.api<Run>(`/runs/${r.id}`)).body));
    const infoOf = (run: Run) => [...new Set(run.posts.filter((p) => p.phase === "exec").map((p) => p.nodeId))];
    const byOutcome = Object.fromEntries(detail.map((r) => [r.outcome, r]));
    expect(byOutcome.success).toMatchObject({ kind: "run", nodes: 2, errors: 0 });
    expect(byOutcome.failure).toMatchObject({ kind: "run", nodes: 2, errors: 1 });
    for (const r of detail) {
      expect(r.posts.map((p) => p.phase)).toEqual(["init", "exec", "exec", "end"]);
      expect(infoOf(r)).toEqual(["2", "5"]);
    }
    // The failing node belongs to A's run, which started first.
    expect(byOutcome.failure!.id).toBeLessThan(byOutcome.success!.id);
    expect(byOutcome.failure!.posts.find((p) => p.nodeId === "5")).toMatchObject({ result: "partial-success" });
  });

  it("a separate listener (--debug-listen) answers MISP's posts the same way", async () => {
    const base = `http://127.0.0.1:${port}`;
    await playPublish(base, "", {}, [{ nodeId: 3, moduleId: "testaction", result: "success" }], "success");
    const raw = await new Promise<string>((resolve, reject) => {
      const s = connect(port, "127.0.0.1", () =>
        s.end("POST /x/exec/y?result=success HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 3\r\n\r\n{{{"),
      );
      let d = "";
      s.on("data", (c) => (d += c));
      s.on("end", () => resolve(d));
      s.on("error", reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 200/);
    await t.settle();
    const runs = await t.api<{ items: Run[] }>("/runs");
    expect(runs.body.items.some((r) => r.trigger === "event-publish" && r.outcome === "success" && r.nodes === 1)).toBe(true);
  });

  it("decodes the form-encoded message of an exec error", async () => {
    await mispPost(t.url, "/workflow-debug/user-after-save/exec/webhook?result=error&message=Connection+refused+to+host", {
      source: { node_id: 1, module_id: "webhook", filters: "", parameters: [] },
      data: {},
    });
    await t.settle();
    const runs = await t.api<{ items: Run[] }>("/runs");
    const run = await t.api<Run>(`/runs/${runs.body.items.find((r) => r.trigger === "user-after-save")!.id}`);
    expect(run.body.posts[0]!.message).toBe("Connection refused to host");
  });

  it("answers 200 to a burst of 200 concurrent posts; each is processed or counted as dropped", async () => {
    const before = (await t.api<{ receiver: { received: number; dropped: number; processed: number } }>("/status")).body.receiver;
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        mispPost(t.url, `/workflow-debug/burst/exec/n${i}?result=success`, { source: { node_id: i, module_id: `n${i}` }, data: {} }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    await t.settle();
    const st = await t.api<{ receiver: { received: number; dropped: number; processed: number } }>("/status");
    expect(st.body.receiver.received - before.received).toBe(200);
    expect(st.body.receiver.processed + st.body.receiver.dropped - before.processed - before.dropped).toBe(200);
  });
});

describe("receiver queue bound", () => {
  it("drops posts beyond its bound (counted) without waiting", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { Store } = await import("../../src/services/store/store.js");
    const { Journal } = await import("../../src/console/journal.js");
    const { DebugReceiver } = await import("../../src/console/receiver.js");
    const { ModuleRegistry } = await import("../../src/core/registry/registry.js");
    const dir = mkdtempSync(join(tmpdir(), "mmts-recv-"));
    const store = new Store({ dataDir: dir });
    const registry = new ModuleRegistry();
    const receiver = new DebugReceiver(store, new Journal(store, registry, "full"), registry, { maxPending: 5, maxPendingBytes: 1 << 20 });
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) receiver.accept({ url: `/t/exec/m${i}?result=success`, body: Buffer.from("{}"), receivedAt: Date.now() });
    expect(performance.now() - t0).toBeLessThan(50);
    expect(receiver.stats).toMatchObject({ received: 20, dropped: 15 });
    await receiver.settle();
    expect(receiver.stats.processed).toBe(5);
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
