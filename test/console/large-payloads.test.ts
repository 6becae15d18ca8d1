import { createHash } from "node:crypto";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MASK, TOO_DEEP } from "../../src/console/masking.js";
import { startConsoleApp, type ConsoleTestApp } from "./helpers.js";

// Large requests are masked, hashed, cut and stored by the journal's digest thread
// (docs/console.md, "Large payloads"): the same guarantees as for small ones, off the event loop.

const KiB = 1024;
const CAP = 1024 * KiB;
const PASSWORD = "PW-SECRET-98765-large";
const URL_PASS = "URLPASS-XYZ-4242";

function bigQuery(bytes: number) {
  const filler = Array.from({ length: Math.ceil(bytes / 100) }, (_, i) => ({
    id: String(i),
    value: `198.51.100.${i % 255}`,
    comment: "filler for a large body",
  }));
  return {
    module: "testaction",
    params: { foo: "" },
    data: {
      Event: { info: "large", Attribute: filler, creds: { password: PASSWORD, feed: `https://user:${URL_PASS}@feeds.example.org/x` } },
    },
  };
}

type Detail = {
  id: number;
  request: { hash: string; size: number; truncated: boolean; text: string | null } | null;
  reply: { text: string | null } | null;
};

let t: ConsoleTestApp;
beforeAll(async () => {
  t = await startConsoleApp({ payloadCap: CAP });
});
afterAll(async () => {
  await t?.close();
});

async function recorded(before: number): Promise<Detail> {
  for (let i = 0; i < 200; i++) {
    const items = (await t.api<{ items: Array<{ id: number }> }>("/queries?limit=1")).body.items;
    if (items[0] && items[0].id > before) {
      const d = (await t.api<Detail>(`/queries/${items[0].id}`)).body;
      if (d.request) return d;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the large query was not recorded with its request");
}

async function newest(): Promise<number> {
  return (await t.api<{ items: Array<{ id: number }> }>("/queries?limit=1")).body.items[0]?.id ?? 0;
}

describe("large payloads in the journal", () => {
  it("a 600 KiB request (under the cap) is stored whole, masked, under the SHA-256 of its stored text", async () => {
    const before = await newest();
    const q = bigQuery(600 * KiB);
    const sent = Buffer.byteLength(JSON.stringify(q));
    expect(sent).toBeGreaterThan(256 * KiB);
    expect((await t.query(q)).body).toEqual({ data: true });
    const d = await recorded(before);
    expect(d.request!.truncated).toBe(false);
    const text = d.request!.text!;
    expect(d.request!.size).toBe(Buffer.byteLength(text));
    // The masked text differs from the one sent only where secrets were.
    expect(Math.abs(d.request!.size - sent)).toBeLessThan(200);
    expect(d.request!.hash).toBe(createHash("sha256").update(text).digest("hex"));
    const stored = JSON.parse(text) as ReturnType<typeof bigQuery>;
    expect(stored.data.Event.creds.password).toBe(MASK);
    expect(stored.data.Event.creds.feed).not.toContain(URL_PASS);
    expect(stored.data.Event.Attribute).toHaveLength(bigQuery(600 * KiB).data.Event.Attribute.length);
    expect(d.reply!.text).toBe('{"data":true}');
  });

  it("a 3 MiB request (over the cap) keeps its size, a hash and the first bytes, masked", async () => {
    const before = await newest();
    const q = bigQuery(3 * 1024 * KiB);
    const sent = Buffer.byteLength(JSON.stringify(q));
    expect(sent).toBeGreaterThan(2 * CAP);
    expect((await t.query(q)).body).toEqual({ data: true });
    const d = await recorded(before);
    expect(d.request!.truncated).toBe(true);
    expect(Math.abs(d.request!.size - sent)).toBeLessThan(200);
    expect(d.request!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.byteLength(d.request!.text!)).toBeLessThanOrEqual(CAP);
    expect(d.request!.text!.startsWith('{"module":"testaction"')).toBe(true);
  });

  it("10,000-deep data is recorded (deep values as a placeholder, never unmasked), and the next query too", async () => {
    const before = await newest();
    const deep = `${'{"a":'.repeat(10_000)}{"password":"${PASSWORD}"}${"}".repeat(10_000)}`;
    const raw = await fetch(`${t.url}/query`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: `{"module":"testaction","params":{"foo":""},"data":${deep}}`,
    });
    expect(raw.status).toBe(200);
    const d = await recorded(before);
    expect(d.request!.text).toContain(JSON.stringify(TOO_DEEP));
    expect(d.request!.text).not.toContain(PASSWORD);
    // A write that fails must not take others down with it: the next query is recorded as well.
    expect((await t.query({ module: "testaction", params: { foo: "" }, data: { small: true } })).body).toEqual({ data: true });
    const next = await recorded(d.id);
    expect(next.id).toBeGreaterThan(d.id);
  });

  it("no secret of a large body reaches the database files", async () => {
    await t.settle();
    for (const f of ["store.db", "store.db-wal"]) {
      const path = join(t.dataDir, f);
      if (!existsSync(path)) continue;
      const bytes = readFileSync(path);
      expect(bytes.includes(PASSWORD), f).toBe(false);
      expect(bytes.includes(URL_PASS), f).toBe(false);
    }
  });
});
