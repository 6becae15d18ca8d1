import { describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { startTestApp } from "../helpers/app.js";

function capture() {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on("data", (c: Buffer) => lines.push(...c.toString("utf8").split("\n").filter(Boolean)));
  return { stream, lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const root = fileURLToPath(new URL("../fixtures/modules", import.meta.url));

describe("logs", () => {
  it("one structured line per query with request id, module, duration and outcome; no body at info", async () => {
    const cap = capture();
    const t = await startTestApp({ custom: [root] }, { logDestination: cap.stream });
    try {
      await t.query({ module: "testaction", data: { Event: { info: "confidential-event-info" } }, params: { foo: "bar-value" } });
      await t.query({ module: "failing_action", params: { mode: "fail", api_token: "tok-abcdef-123" } });
      await new Promise((r) => setTimeout(r, 50));
      const q = cap.json().filter((l) => l.msg === "query");
      expect(q).toHaveLength(2);
      expect(q[0]).toMatchObject({ module: "testaction", outcome: "ok", reqId: expect.any(String), durationMs: expect.any(Number) });
      expect(q[1]).toMatchObject({
        module: "failing_action",
        outcome: "error",
        error: "failing_action: remote refused the message sent with ***",
      });
      const all = cap.lines.join("\n");
      expect(all).not.toContain("confidential-event-info");
      expect(all).not.toContain("bar-value");
      expect(all).not.toContain("tok-abcdef-123");
    } finally {
      await t.close();
    }
  });

  it("at debug level parameter values appear but secret-looking ones are redacted", async () => {
    const cap = capture();
    const t = await startTestApp({ custom: [root], debug: true }, { logDestination: cap.stream });
    try {
      await t.query({
        module: "failing_action",
        params: { mode: "ok", api_token: "tok-abcdef-123", bot_token: "b-999999", password: "hunter22", my_key: "k-777777" },
      });
      await new Promise((r) => setTimeout(r, 50));
      const all = cap.lines.join("\n");
      expect(all).toContain('"mode":"ok"');
      for (const secret of ["tok-abcdef-123", "b-999999", "hunter22", "k-777777"]) expect(all).not.toContain(secret);
      // Parameters declared secret are redacted whatever their name (credential URLs, header blocks).
      await t.query({ module: "slack", data: {}, params: { webhook_url: "http://127.0.0.1:9/services/T0/B0/xoxsecretpath" } });
      await t.query({ module: "http_webhook", data: {}, params: { url: "http://127.0.0.1:9/", headers: "X-Api: hdr-secret-42" } });
      await new Promise((r) => setTimeout(r, 50));
      const after = cap.lines.join("\n");
      expect(after).toContain('"webhook_url":"[redacted]"');
      expect(after).not.toContain("xoxsecretpath");
      expect(after).not.toContain("hdr-secret-42");
    } finally {
      await t.close();
    }
  });
});

describe("body limit", () => {
  it("is configurable and answers 413 with a JSON error", async () => {
    const t = await startTestApp({ bodyLimit: 1024 });
    try {
      const res = await fetch(`${t.url}/query`, { method: "POST", body: JSON.stringify({ module: "testaction", data: "x".repeat(5000) }) });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: string }).error).toMatch(/larger than the limit of 1024 bytes/);
    } finally {
      await t.close();
    }
  });

  it("accepts a 100 MB roaming-data body with the default limit", async () => {
    const t = await startTestApp();
    try {
      const blob = "A".repeat(1024 * 1024);
      const attachments = Array.from({ length: 100 }, (_, i) => ({ id: String(i), type: "attachment", value: `f${i}.bin`, data: blob }));
      const body = JSON.stringify({
        module: "testaction",
        data: { Event: { id: "1", Attribute: attachments } },
        params: { foo: "", data_extraction_path: "" },
      });
      expect(body.length).toBeGreaterThan(100 * 1024 * 1024);
      const res = await fetch(`${t.url}/query`, { method: "POST", headers: { "content-type": "application/json" }, body });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ data: true });
    } finally {
      await t.close();
    }
  }, 60_000);
});
